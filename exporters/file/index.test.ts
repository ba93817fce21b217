import { testHost } from '../../pipeline/testing.js';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attrs, gaugeOf, logsOf, metricsOf, newLogRecord, newSpan, tracesOf } from '../../pipeline/builders.js';
import type { ComponentInstance, CreateContext } from '../../pipeline/component.js';
import { ConsumerError } from '../../pipeline/errors.js';
import type { Signal, SignalData } from '../../pipeline/model.js';
import { decodeSignal } from '../../pipeline/otlpjson/index.js';
import { SelfTelemetry } from '../../pipeline/telemetry.js';
import type { FileConfig } from './config.js';
import { fileExporterFactory } from './index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'summit-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ctx = (): CreateContext => ({
  id: 'file',
  kind: 'exporter',
  signals: ['traces', 'metrics', 'logs'],
  outputSignals: [],
  logger: pino({ level: 'silent' }),
  telemetry: new SelfTelemetry(),
  configDir: dir,
});

/** Defaults spelled out, since ajv does not run in unit tests. */
const config = (c: Partial<FileConfig> & { path: string }): FileConfig => ({
  format: 'json',
  append: false,
  flush_interval: '1s',
  compression: '',
  create_directory: true,
  directory_permissions: '0755',
  ...c,
});

async function started(c: FileConfig): Promise<ComponentInstance> {
  const exporter = await fileExporterFactory.create(ctx(), c, {});
  await exporter.start!(testHost());
  return exporter;
}

const consume = <S extends Signal>(e: ComponentInstance, signal: S, data: SignalData[S]) =>
  (e.consumers![signal] as { consume(d: SignalData[S]): Promise<void> }).consume(data);

const lines = async (path: string) => (await readFile(path, 'utf8')).split('\n').filter(Boolean);

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../../test/fixtures/otlp-json/${name}.json`, import.meta.url)), 'utf8'));

function sampleTraces() {
  return tracesOf(
    [
      newSpan({
        traceId: 'ff'.repeat(16),
        spanId: '01'.repeat(8),
        name: 'edge',
        startTimeUnixNano: 2n ** 64n - 1n,
        endTimeUnixNano: 1544712660000000001n,
        attributes: attrs({ big: 2n ** 63n - 1n, small: -(2n ** 63n), d: 1.5, bytes: Uint8Array.from([0, 1, 255]), nested: { a: [1, 'x', null] } }),
      }),
    ],
    { 'service.name': 'svc' },
  );
}

describe('file exporter', () => {
  it('declares upstream type, signals and stability', () => {
    expect(fileExporterFactory).toMatchObject({ type: 'file', kind: 'exporter', signals: ['traces', 'metrics', 'logs'], stability: 'alpha' });
    expect(fileExporterFactory.configSchema.required).toEqual(['path']);
  });

  it('writes one OTLP/JSON line per batch that decodes back to exactly what was consumed, for all signals', async () => {
    const path = join(dir, 'out.json');
    const exporter = await started(config({ path }));
    const batches: [Signal, SignalData[Signal]][] = [
      ['traces', sampleTraces()],
      ['metrics', metricsOf([gaugeOf('g', [1.5, 7n], { host: 'h' })])],
      ['logs', logsOf([newLogRecord({ body: 'hello', timeUnixNano: 1544712660300000001n, severityNumber: 9 })])],
      ['traces', decodeSignal('traces', fixture('trace'))],
      ['metrics', decodeSignal('metrics', fixture('metrics'))],
      ['logs', decodeSignal('logs', fixture('logs'))],
    ];
    for (const [signal, data] of batches) await consume(exporter, signal, data);
    await exporter.shutdown!();

    const written = await lines(path);
    expect(written).toHaveLength(batches.length);
    written.forEach((line, i) => {
      const [signal, data] = batches[i];
      expect(decodeSignal(signal, JSON.parse(line))).toEqual(data);
    });
    // The shape other tools expect: the request's top-level key, hex ids, string int64s.
    const first = JSON.parse(written[0]);
    expect(Object.keys(first)).toEqual(['resourceSpans']);
    expect(first.resourceSpans[0].scopeSpans[0].spans[0]).toMatchObject({ traceId: 'ff'.repeat(16), startTimeUnixNano: '18446744073709551615' });
  });

  it('consume resolves only once the line is in the file', async () => {
    const path = join(dir, 'out.json');
    const exporter = await started(config({ path }));
    await consume(exporter, 'logs', logsOf([newLogRecord({ body: 'a' })]));
    expect(await lines(path)).toHaveLength(1);
    await exporter.shutdown!();
  });

  it('resolves a relative path against the config directory and creates parent directories at start', async () => {
    const exporter = await fileExporterFactory.create(ctx(), config({ path: 'nested/deeper/out.json' }), {});
    // Not touched at create: only start opens (and truncates) the file.
    expect(existsSync(join(dir, 'nested'))).toBe(false);
    await exporter.start!(testHost());
    await consume(exporter, 'traces', sampleTraces());
    await exporter.shutdown!();
    expect(await lines(join(dir, 'nested/deeper/out.json'))).toHaveLength(1);
  });

  it('truncates an existing file by default and appends with append: true', async () => {
    const path = join(dir, 'out.json');
    await writeFile(path, 'old line\n');
    let exporter = await started(config({ path }));
    await consume(exporter, 'logs', logsOf([newLogRecord({ body: 'first' })]));
    await exporter.shutdown!();
    expect(await lines(path)).toHaveLength(1);

    exporter = await started(config({ path, append: true }));
    await consume(exporter, 'logs', logsOf([newLogRecord({ body: 'second' })]));
    await exporter.shutdown!();
    const bodies = (await lines(path)).map((l) => decodeSignal('logs', JSON.parse(l)).resourceLogs[0].scopeLogs[0].logRecords[0].body);
    expect(bodies).toEqual(['first', 'second']);
  });

  it('never interleaves lines from concurrent consumes, and shutdown writes everything accepted', async () => {
    const path = join(dir, 'out.json');
    const exporter = await started(config({ path }));
    const big = (i: number) => logsOf(Array.from({ length: 200 }, (_, j) => newLogRecord({ body: `${i}-${j}-${'x'.repeat(50)}` })));
    const pending = Array.from({ length: 50 }, (_, i) => consume(exporter, 'logs', big(i)));
    await exporter.shutdown!();
    await Promise.all(pending);
    const written = await lines(path);
    expect(written).toHaveLength(50);
    const firsts = written.map((l) => decodeSignal('logs', JSON.parse(l)).resourceLogs[0].scopeLogs[0].logRecords[0].body);
    expect(firsts.sort()).toEqual(Array.from({ length: 50 }, (_, i) => `${i}-0-${'x'.repeat(50)}`).sort());
  });

  it('refuses data before start and after shutdown with a retryable error', async () => {
    const path = join(dir, 'out.json');
    const exporter = await fileExporterFactory.create(ctx(), config({ path }), {});
    const before = await consume(exporter, 'logs', logsOf([])).catch((e) => e);
    expect(before).toBeInstanceOf(ConsumerError);
    expect(before.retryable).toBe(true);
    await exporter.start!(testHost());
    await exporter.shutdown!();
    const after = await consume(exporter, 'logs', logsOf([])).catch((e) => e);
    expect(after).toBeInstanceOf(ConsumerError);
    expect(after.retryable).toBe(true);
  });

  it('reports a failed write as a rejected, retryable consume', async () => {
    const exporter = await started(config({ path: '/dev/full', create_directory: false }));
    const err = await consume(exporter, 'traces', sampleTraces()).catch((e) => e);
    expect(err).toBeInstanceOf(ConsumerError);
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/ENOSPC/);
    await exporter.shutdown!().catch(() => undefined);
  });

  it('fails start when the file cannot be opened', async () => {
    await writeFile(join(dir, 'blocker'), '');
    const exporter = await fileExporterFactory.create(ctx(), config({ path: 'blocker/out.json' }), {});
    await expect(exporter.start!(testHost())).rejects.toThrow();
  });
});

describe('file exporter rotation', () => {
  const BACKUP = /^out-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}\.json$/;
  const line = (i: number) => logsOf([newLogRecord({ body: `record ${i} ${'y'.repeat(300)}` })]);

  async function writeMany(c: FileConfig, n: number): Promise<void> {
    const exporter = await started(c);
    for (let i = 0; i < n; i++) await consume(exporter, 'logs', line(i));
    await exporter.shutdown!();
  }

  const bodiesIn = async (files: string[]) =>
    (await Promise.all(files.map((f) => lines(join(dir, f))))).flat().map((l) => decodeSignal('logs', JSON.parse(l)).resourceLogs[0].scopeLogs[0].logRecords[0].body);

  it('renames the full file to a timestamped backup and starts a new one', async () => {
    // 0.001 MiB = 1048 bytes: two ~450-byte lines per file.
    await writeMany(config({ path: join(dir, 'out.json'), rotation: { max_megabytes: 0.001, max_backups: 0, max_days: 0, localtime: false } }), 7);
    const files = (await readdir(dir)).sort();
    const backups = files.filter((f) => BACKUP.test(f));
    expect(files).toContain('out.json');
    expect(backups).toHaveLength(3);
    for (const f of files) {
      const content = await readFile(join(dir, f), 'utf8');
      expect(content.length).toBeLessThanOrEqual(1048);
      expect(content.endsWith('\n')).toBe(true);
    }
    // Oldest backup first (names sort by time), live file last: the original order.
    const bodies = await bodiesIn([...backups, 'out.json']);
    expect(bodies).toEqual(Array.from({ length: 7 }, (_, i) => `record ${i} ${'y'.repeat(300)}`));
  });

  it('keeps at most max_backups rotated files, deleting the oldest', async () => {
    await writeMany(config({ path: join(dir, 'out.json'), rotation: { max_megabytes: 0.001, max_backups: 2, max_days: 0, localtime: false } }), 12);
    const files = await readdir(dir);
    const backups = files.filter((f) => BACKUP.test(f)).sort();
    expect(backups).toHaveLength(2);
    // The survivors are the newest: with the live file they hold the last records.
    const bodies = await bodiesIn([...backups, 'out.json']);
    expect(bodies.at(-1)).toBe(`record 11 ${'y'.repeat(300)}`);
    expect(bodies).toHaveLength(6);
  });

  it('deletes backups older than max_days when it rotates', async () => {
    await writeFile(join(dir, 'out-2000-01-01T00-00-00.000.json'), 'ancient\n');
    await writeFile(join(dir, 'out-not-a-backup.json'), 'keep me\n');
    await writeMany(config({ path: join(dir, 'out.json'), rotation: { max_megabytes: 0.001, max_backups: 0, max_days: 1, localtime: false } }), 3);
    const files = await readdir(dir);
    expect(files).not.toContain('out-2000-01-01T00-00-00.000.json');
    expect(files).toContain('out-not-a-backup.json');
    expect(files.filter((f) => BACKUP.test(f))).toHaveLength(1);
  });

  it('continues an existing live file and rotates it when full, ignoring append', async () => {
    const path = join(dir, 'out.json');
    await writeFile(path, `${'z'.repeat(1000)}\n`);
    await writeMany(config({ path, rotation: {} }), 1);
    // rotation: {} gets upstream defaults (100 MiB): nothing rotates, the old content stays.
    expect((await readdir(dir)).filter((f) => BACKUP.test(f))).toHaveLength(0);
    expect((await readFile(path, 'utf8')).startsWith('z'.repeat(1000))).toBe(true);

    await writeMany(config({ path, rotation: { max_megabytes: 0.001 } }), 1);
    const backups = (await readdir(dir)).filter((f) => BACKUP.test(f));
    expect(backups).toHaveLength(1);
    expect(await lines(path)).toHaveLength(1);
  });

  it('gives a line larger than the limit a file of its own instead of refusing it', async () => {
    const path = join(dir, 'out.json');
    const exporter = await started(config({ path, rotation: { max_megabytes: 0.0001, max_backups: 0, max_days: 0, localtime: false } }));
    await consume(exporter, 'logs', line(1));
    await consume(exporter, 'logs', line(2));
    await exporter.shutdown!();
    expect((await readdir(dir)).filter((f) => BACKUP.test(f))).toHaveLength(1);
    expect(await lines(path)).toHaveLength(1);
  });
});
