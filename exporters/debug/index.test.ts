import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CreateContext } from '../../pipeline/component.js';
import { logsOf, newLogRecord, newSpan, tracesOf } from '../../pipeline/builders.js';
import { SelfTelemetry } from '../../pipeline/telemetry.js';
import { createDebugExporter, debugExporterFactory, type DebugConfig } from './index.js';
import { Sampler } from './sampler.js';

const DEFAULTS: DebugConfig = { verbosity: 'basic', sampling_initial: 2, sampling_thereafter: 1, use_internal_logger: true };

function context(lines: Record<string, unknown>[] = []): CreateContext {
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return {
    id: 'debug',
    kind: 'exporter',
    signals: ['traces', 'metrics', 'logs'],
    outputSignals: [],
    logger: pino({ level: 'info' }, sink),
    telemetry: new SelfTelemetry(),
    configDir: '/',
  };
}

const flushLogger = () => new Promise((r) => setImmediate(r));
const traces = () => tracesOf([newSpan({ name: 'a', traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8) }), newSpan({ name: 'b' })]);

afterEach(() => vi.restoreAllMocks());

describe('debug exporter factory', () => {
  it('declares upstream type, signals, stability and defaults', () => {
    expect(debugExporterFactory).toMatchObject({ type: 'debug', kind: 'exporter', signals: ['traces', 'metrics', 'logs', 'profiles'], stability: 'development' });
    const props = debugExporterFactory.configSchema.properties as Record<string, { default: unknown }>;
    expect(Object.fromEntries(Object.entries(props).map(([k, v]) => [k, v.default]))).toEqual(DEFAULTS);
    expect(debugExporterFactory.configSchema.additionalProperties).toBe(false);
  });

  it('writes through the internal logger: summary line, then the dump', async () => {
    const lines: Record<string, unknown>[] = [];
    const ctx = context(lines);
    const exporter = await debugExporterFactory.create(ctx, { ...DEFAULTS, verbosity: 'normal' }, {});
    expect(exporter.mutatesData).toBe(false);
    await exporter.consumers!.traces!.consume(traces());
    await flushLogger();
    expect(lines.map((l) => l.msg)).toEqual([
      'Traces {"resource spans": 1, "spans": 2}',
      `ResourceTraces #0\nScopeTraces #0\na ${'ab'.repeat(16)} ${'cd'.repeat(8)}\nb  `,
    ]);
    expect(lines.every((l) => l.level === 30)).toBe(true);
  });

  it('writes to stdout when use_internal_logger is false', async () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const lines: Record<string, unknown>[] = [];
    const exporter = await debugExporterFactory.create(context(lines), { ...DEFAULTS, use_internal_logger: false }, {});
    await exporter.consumers!.logs!.consume(logsOf([newLogRecord({ body: 'hi' })]));
    vi.restoreAllMocks();
    await flushLogger();
    expect(written).toEqual(['Logs {"resource logs": 1, "log records": 1}\n']);
    expect(lines).toEqual([]);
  });

  it('creates consumers only for the signals it is wired for', async () => {
    const exporter = await debugExporterFactory.create({ ...context(), signals: ['logs'] }, DEFAULTS, {});
    expect(Object.keys(exporter.consumers!)).toEqual(['logs']);
  });

  it('never fails a consume, even on data it cannot render', async () => {
    const lines: Record<string, unknown>[] = [];
    const exporter = createDebugExporter(context(lines), { ...DEFAULTS, verbosity: 'detailed' });
    const broken = { resourceSpans: [{ resource: null, scopeSpans: [{ spans: [null] }] }] } as never;
    await expect(exporter.consumers!.traces!.consume(broken)).resolves.toBeUndefined();
    await flushLogger();
    expect(lines.some((l) => l.level === 40 && l.msg === 'debug exporter could not render a batch')).toBe(true);
  });

  it('samples batches per signal per second', async () => {
    const out: string[] = [];
    const exporter = createDebugExporter(context(), { ...DEFAULTS, sampling_initial: 1, sampling_thereafter: 0 }, (t) => out.push(t));
    for (let i = 0; i < 3; i++) await exporter.consumers!.traces!.consume(traces());
    await exporter.consumers!.logs!.consume(logsOf([]));
    expect(out).toEqual(['Traces {"resource spans": 1, "spans": 2}', 'Logs {"resource logs": 1, "log records": 0}']);
  });
});

describe('sampler', () => {
  it('passes the first N per window, then every Mth, and resets each second', () => {
    let now = 0;
    const s = new Sampler(2, 3, () => now);
    const first = Array.from({ length: 9 }, () => s.allow('k'));
    expect(first).toEqual([true, true, false, false, true, false, false, true, false]);
    expect(s.allow('other')).toBe(true);
    now = 1000;
    expect([s.allow('k'), s.allow('k'), s.allow('k')]).toEqual([true, true, false]);
  });

  it('with the defaults (2, 1) nothing is dropped', () => {
    const s = new Sampler(2, 1, () => 0);
    expect(Array.from({ length: 50 }, () => s.allow('k')).every(Boolean)).toBe(true);
  });
});
