import type { Profiler, HeapProfiler } from 'node:inspector';
import { Profile, StringTable, type FunctionInput, type LocationInput, type SampleInput } from 'pprof-format';

/** Interns V8 call frames as pprof functions and locations (one location per frame position). */
class Frames {
  readonly strings = new StringTable();
  readonly functions: FunctionInput[] = [];
  readonly locations: LocationInput[] = [];
  private readonly functionIds = new Map<string, number>();
  private readonly locationIds = new Map<string, number>();

  location(frame: { functionName: string; url: string; lineNumber: number; columnNumber: number }): number {
    const line = frame.lineNumber + 1; // V8 counts from 0, pprof from 1
    const key = `${frame.functionName}\0${frame.url}\0${line}\0${frame.columnNumber}`;
    let id = this.locationIds.get(key);
    if (id !== undefined) return id;
    const fnKey = `${frame.functionName}\0${frame.url}`;
    let fn = this.functionIds.get(fnKey);
    if (fn === undefined) {
      fn = this.functions.length + 1;
      const name = this.strings.dedup(frame.functionName || '(anonymous)');
      this.functions.push({ id: fn, name, systemName: name, filename: this.strings.dedup(frame.url) });
      this.functionIds.set(fnKey, fn);
    }
    id = this.locations.length + 1;
    this.locations.push({ id, line: [{ functionId: fn, line, column: frame.columnNumber + 1 }] });
    this.locationIds.set(key, id);
    return id;
  }
}

/** A V8 CPU profile (inspector Profiler.stop) as pprof: samples and CPU time per stack. */
export function cpuProfileToPprof(p: Profiler.Profile): Uint8Array {
  const frames = new Frames();
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stacks = new Map<number, number[]>();
  const stackOf = (id: number): number[] => {
    let s = stacks.get(id);
    if (s) return s;
    s = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)!.callFrame;
      if (frame.functionName === '(root)') continue;
      s.push(frames.location(frame));
    }
    stacks.set(id, s);
    return s;
  };
  // Each sample lasted until the next one; the time deltas say how long.
  const totals = new Map<number, { count: number; micros: number }>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  samples.forEach((id, i) => {
    const t = totals.get(id) ?? { count: 0, micros: 0 };
    t.count++;
    t.micros += deltas[i + 1] ?? 0;
    totals.set(id, t);
  });
  const sample: SampleInput[] = [...totals].map(([id, t]) => ({ locationId: stackOf(id), value: [t.count, t.micros * 1000] }));
  const { strings } = frames;
  const interval = samples.length > 1 ? Math.round(((p.endTime - p.startTime) * 1000) / samples.length) : 0;
  return new Profile({
    sampleType: [
      { type: strings.dedup('samples'), unit: strings.dedup('count') },
      { type: strings.dedup('cpu'), unit: strings.dedup('nanoseconds') },
    ],
    sample,
    location: frames.locations,
    function: frames.functions,
    stringTable: strings,
    timeNanos: BigInt(Math.round(p.startTime)) * 1000n,
    durationNanos: BigInt(Math.round(p.endTime - p.startTime)) * 1000n,
    periodType: { type: strings.dedup('cpu'), unit: strings.dedup('nanoseconds') },
    period: interval,
  }).encode();
}

/** V8's sampling heap profile (live allocations, sampled) as pprof, as Go's heap profile's inuse_space. */
export function heapProfileToPprof(p: HeapProfiler.SamplingHeapProfile, samplingIntervalBytes: number): Uint8Array {
  const frames = new Frames();
  const sample: SampleInput[] = [];
  const walk = (node: HeapProfiler.SamplingHeapProfileNode, stack: number[]): void => {
    const here = node.callFrame.functionName === '(root)' ? stack : [frames.location(node.callFrame), ...stack];
    const count = node.selfSize > 0 ? Math.max(1, Math.round(node.selfSize / samplingIntervalBytes)) : 0;
    if (node.selfSize > 0) sample.push({ locationId: here, value: [count, node.selfSize] });
    for (const c of node.children) walk(c, here);
  };
  walk(p.head, []);
  const { strings } = frames;
  return new Profile({
    sampleType: [
      { type: strings.dedup('inuse_objects'), unit: strings.dedup('count') },
      { type: strings.dedup('inuse_space'), unit: strings.dedup('bytes') },
    ],
    sample,
    location: frames.locations,
    function: frames.functions,
    stringTable: strings,
    timeNanos: BigInt(Date.now()) * 1_000_000n,
    periodType: { type: strings.dedup('space'), unit: strings.dedup('bytes') },
    period: samplingIntervalBytes,
  }).encode();
}
