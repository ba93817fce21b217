import { Session } from 'node:inspector/promises';
import type { Writable } from 'node:stream';
import { cpuProfileToPprof, heapProfileToPprof } from './convert.js';

/** Bytes between heap samples: V8's default, cheap enough to leave on while the extension runs. */
export const HEAP_SAMPLING_INTERVAL = 512 * 1024;

/**
 * Profiles of this process through V8's inspector protocol. One CPU profile at a time (V8 has
 * one profiler per isolate); the heap sampler runs from start() so /heap has data at once.
 */
export class ProcessProfiler {
  private readonly session = new Session();
  private cpuBusy = false;

  async start(): Promise<void> {
    this.session.connect();
    await this.session.post('HeapProfiler.enable');
    await this.session.post('HeapProfiler.startSampling', { samplingInterval: HEAP_SAMPLING_INTERVAL });
    await this.session.post('Profiler.enable');
  }

  /** CPU profile over `seconds` (Infinity: until aborted), as pprof; undefined when another one is being taken. */
  async cpu(seconds: number, signal?: AbortSignal): Promise<Uint8Array | undefined> {
    if (this.cpuBusy) return undefined;
    this.cpuBusy = true;
    try {
      await this.session.post('Profiler.start');
      await new Promise<void>((resolve) => {
        const timer = Number.isFinite(seconds) ? setTimeout(resolve, seconds * 1000) : undefined;
        signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      const { profile } = await this.session.post('Profiler.stop');
      return cpuProfileToPprof(profile);
    } finally {
      this.cpuBusy = false;
    }
  }

  /** The sampled live heap, as pprof. */
  async heap(): Promise<Uint8Array> {
    const { profile } = await this.session.post('HeapProfiler.getSamplingProfile');
    return heapProfileToPprof(profile, HEAP_SAMPLING_INTERVAL);
  }

  /** A full V8 heap snapshot (.heapsnapshot, for Chrome DevTools' Memory tab), streamed to `out`. */
  async heapSnapshot(out: Writable): Promise<void> {
    const onChunk = (m: { params: { chunk: string } }) => out.write(m.params.chunk);
    this.session.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
    try {
      await this.session.post('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    } finally {
      this.session.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
    }
  }

  stop(): void {
    this.session.disconnect();
  }
}
