/**
 * Span rows per second from Summit's model to a finished Parquet file: the parquet exporter's
 * writer path (column building on the event loop, encoding in its writer thread, fsync,
 * rename), against parquet-wasm driven directly with the same Arrow data (the ceiling for
 * this library) and against @dsnp/parquetjs, a pure-JS writer (the peer).
 *
 * Then the amplification probe: one 512-span request whose resource carries a 4 MiB
 * attribute, which must cost about what any request costs — its resource is shared by the
 * rows, not copied onto each (that took 9 GB) — with its peak RSS growth asserted.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { parseSize, PARQUET_DEFAULTS } from '../exporters/parquet/config.js';
import { dictionaryPageBytes, FileSet } from '../exporters/parquet/files.js';
import { ResourceRow, ScopeRow, TracesTable } from '../exporters/parquet/tables.js';
import { json, valueText, ValueLimit } from '../exporters/parquet/values.js';
import { arrowHelpers, writerProperties, WriterThreads } from '../exporters/parquet/worker.js';
import type { Traces } from '../pipeline/model.js';
import { measure, table, type BenchCase } from './harness.js';
import { syntheticTraces } from './synthetic.js';

const require = createRequire(import.meta.url);
const BATCHES = 25;
const BATCH_SPANS = 8000;
const ROWS = BATCHES * BATCH_SPANS;

/** Every file under a directory, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

const inputs = (): Traces[] => Array.from({ length: BATCHES }, (_, i) => syntheticTraces(BATCH_SPANS, 'realistic', i));

interface Cases {
  cases: BenchCase[];
  peer: string;
  /** File size of each case's last file. */
  sizes: Map<string, number>;
  close(): Promise<void>;
}

function makeCases(batches: Traces[]): Cases {
  const root = mkdtempSync(join(tmpdir(), 'summit-bench-parquet-'));
  const sizes = new Map<string, number>();
  const logger = pino({ level: 'silent' });

  // ---- Summit: the exporter's FileSet and writer thread, as the exporter helper drives them
  const threads = new WriterThreads({ logger });
  let run = 0;
  const summit: BenchCase = {
    name: 'summit model → parquet file',
    async run() {
      const dir = join(root, `summit-${run++}`);
      const files = new FileSet({ dir, compression: 'zstd', maxRows: ROWS, maxBytes: 4 * 1024 ** 3, maxAgeMs: 0, maxHeldSends: Infinity, logger, sink: threads });
      const sends = batches.map((b) => files.write('traces', b));
      await files.flush();
      await Promise.all(sends);
      const written = filesUnder(join(dir, 'traces'));
      if (written.length !== 1) throw new Error(`expected one file, got ${written.length}`);
      sizes.set(summit.name, statSync(written[0]).size);
      rmSync(dir, { recursive: true, force: true });
      return ROWS;
    },
  };

  // ---- parquet-wasm driven directly: the same Arrow data (built once, by Summit's builders,
  // before the first run), encoded on this thread
  const arrow = require('apache-arrow');
  const pw = require('parquet-wasm');
  const { schemaOf, batchOf } = arrowHelpers(arrow);
  let prepared: { arrowTable: unknown; noDictionary: string[]; dictionaryPageBytes: number; statistics: string[] } | undefined;
  const prepare = () => {
    const limit = new ValueLimit(parseSize(PARQUET_DEFAULTS.max_value_bytes));
    const t = new TracesTable(limit);
    for (const b of batches)
      for (const rs of b.resourceSpans) {
        const r = new ResourceRow(rs.resource, rs.schemaUrl, limit);
        for (const ss of rs.scopeSpans) {
          const sc = new ScopeRow(ss.scope, ss.schemaUrl, limit);
          for (const s of ss.spans) t.append(s, r, sc);
        }
      }
    const spec = t.spec();
    const schema = schemaOf(spec);
    return {
      arrowTable: new arrow.Table([batchOf(schema, spec, ROWS, t.finish())]),
      noDictionary: t.noDictionary,
      dictionaryPageBytes: dictionaryPageBytes(limit),
      statistics: t.statistics(),
    };
  };
  const direct: BenchCase = {
    name: 'parquet-wasm direct (ceiling)',
    async run() {
      prepared ??= prepare();
      const { arrowTable, ...properties } = prepared;
      const file = join(root, `direct-${run++}.parquet`);
      const wasmTable = pw.Table.fromIPCStream(arrow.tableToIPC(arrowTable, 'stream'));
      const bytes: Uint8Array = pw.writeParquet(wasmTable, writerProperties(pw, { compression: 'zstd', rowGroupRows: 128 * 1024, ...properties, metadata: [] }));
      writeFileSync(file, bytes);
      sizes.set(direct.name, bytes.length);
      rmSync(file);
      return ROWS;
    },
  };

  // ---- @dsnp/parquetjs: the same columns, attribute sets and events as JSON text — the flat
  // layout that suits it best (its nested repeated groups run at a few thousand rows/s)
  const parquetjs = require('@dsnp/parquetjs');
  const pqSchema = new parquetjs.ParquetSchema({
    start_time: { type: 'INT64' },
    end_time: { type: 'INT64' },
    duration_ns: { type: 'INT64' },
    service_name: { type: 'UTF8', optional: true },
    service_namespace: { type: 'UTF8', optional: true },
    deployment_environment_name: { type: 'UTF8', optional: true },
    host_name: { type: 'UTF8', optional: true },
    trace_id: { type: 'UTF8', optional: true },
    span_id: { type: 'UTF8', optional: true },
    parent_span_id: { type: 'UTF8', optional: true },
    trace_state: { type: 'UTF8' },
    flags: { type: 'INT64' },
    name: { type: 'UTF8' },
    kind: { type: 'UTF8' },
    status_code: { type: 'UTF8' },
    status_message: { type: 'UTF8' },
    attributes: { type: 'UTF8' },
    events: { type: 'UTF8' },
    resource_attributes: { type: 'UTF8' },
    scope_name: { type: 'UTF8' },
    scope_version: { type: 'UTF8' },
  });
  const peer: BenchCase = {
    name: '@dsnp/parquetjs (peer)',
    async run() {
      const file = join(root, `peer-${run++}.parquet`);
      const writer = await parquetjs.ParquetWriter.openFile(pqSchema, file, { compression: 'SNAPPY', rowGroupSize: 128 * 1024 });
      for (const b of batches)
        for (const rs of b.resourceSpans) {
          const resource = json(rs.resource.attributes);
          const get = (k: string) => (rs.resource.attributes.has(k) ? (valueText(rs.resource.attributes.get(k)!) ?? undefined) : undefined);
          for (const ss of rs.scopeSpans)
            for (const s of ss.spans) {
              await writer.appendRow({
                start_time: s.startTimeUnixNano,
                end_time: s.endTimeUnixNano,
                duration_ns: s.endTimeUnixNano - s.startTimeUnixNano,
                service_name: get('service.name'),
                service_namespace: get('service.namespace'),
                deployment_environment_name: get('deployment.environment.name'),
                host_name: get('host.name'),
                trace_id: s.traceId || undefined,
                span_id: s.spanId || undefined,
                parent_span_id: s.parentSpanId || undefined,
                trace_state: s.traceState,
                flags: BigInt(s.flags),
                name: s.name,
                kind: String(s.kind),
                status_code: String(s.status.code),
                status_message: s.status.message,
                attributes: json(s.attributes),
                events: `[${s.events.map((e) => `{"time":${e.timeUnixNano},"name":${JSON.stringify(e.name)},"attributes":${json(e.attributes)}}`).join(',')}]`,
                resource_attributes: resource,
                scope_name: ss.scope.name,
                scope_version: ss.scope.version,
              });
            }
        }
      await writer.close();
      sizes.set(peer.name, statSync(file).size);
      rmSync(file);
      return ROWS;
    },
  };

  return {
    cases: [summit, direct, peer],
    peer: peer.name,
    sizes,
    async close() {
      await threads.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

/**
 * Peak RSS of one case alone: a child process builds the same input, collects garbage, notes
 * its RSS, runs the case three times while sampling RSS every few milliseconds, and reports the
 * highest sample (writer thread and WebAssembly memory included: they are in the process).
 */
function peakRss(index: number): { before: number; peak: number } {
  const out = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--rss', String(index)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!) as { before: number; peak: number };
}

/** The amplification probe fails the suite beyond this growth of peak RSS. */
const AMPLIFICATION_BOUND = 200 * 1024 * 1024;

/** A realistic 512-span request; `big`: its resource also carries 4 MiB of UTF-8 in one attribute. */
function amplificationRequest(big: boolean, seed: number): Traces {
  const t = syntheticTraces(512, 'realistic', seed);
  if (big) t.resourceSpans[0].resource.attributes.set('process.command_line', `${'€'.repeat(1_398_101)}x`);
  return t;
}

interface AmplificationResult {
  plainMs: number;
  bigMs: number;
  before: number;
  peak: number;
}

/**
 * In this (child) process: warms the writer thread up with one plain request, then writes a
 * plain request and the 4 MiB one, each into its own file, timing each and sampling RSS.
 */
async function amplificationChild(): Promise<AmplificationResult> {
  const logger = pino({ level: 'silent' });
  const root = mkdtempSync(join(tmpdir(), 'summit-bench-parquet-amp-'));
  const threads = new WriterThreads({ logger });
  let n = 0;
  const writeOne = async (t: Traces) => {
    const files = new FileSet({ dir: join(root, String(n++)), compression: 'zstd', maxRows: 200_000, maxBytes: 128 * 1024 ** 2, maxAgeMs: 0, maxHeldSends: Infinity, logger, sink: threads });
    const start = performance.now();
    const sent = files.write('traces', t);
    await files.flush();
    await sent;
    return performance.now() - start;
  };
  try {
    await writeOne(amplificationRequest(false, 1));
    const plain = amplificationRequest(false, 2);
    const big = amplificationRequest(true, 3);
    (globalThis as { gc?: () => void }).gc?.();
    const before = process.memoryUsage.rss();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
    const plainMs = await writeOne(plain);
    const bigMs = await writeOne(big);
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage.rss());
    return { plainMs, bigMs, before, peak };
  } finally {
    await threads.close();
    rmSync(root, { recursive: true, force: true });
  }
}

/** Runs the amplification probe in a child process; throws beyond AMPLIFICATION_BOUND. */
export function amplificationProbe(): string {
  const out = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--amplification'], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const r = JSON.parse(out.trim().split('\n').pop()!) as AmplificationResult;
  const line =
    `Amplification probe (one 512-span request whose resource has a 4 MiB attribute, in a child process): ${r.bigMs.toFixed(0)} ms ` +
    `(a plain 512-span request: ${r.plainMs.toFixed(0)} ms), peak RSS ${mib(r.peak)}, ${mib(r.peak - r.before)} above the ${mib(r.before)} before it (bound ${mib(AMPLIFICATION_BOUND)}).`;
  if (r.peak - r.before > AMPLIFICATION_BOUND) throw new Error(`parquet amplification probe over its bound: ${line}`);
  return line;
}

export async function parquetSuite(): Promise<string> {
  const { cases, peer, sizes, close } = makeCases(inputs());
  let results;
  try {
    results = await measure(cases, { repeats: 5, warmups: 1 });
  } finally {
    await close();
  }
  const perSpan = [...sizes].map(([name, bytes]) => `${name} ${(bytes / ROWS).toFixed(1)} B`).join(', ');
  const rss = cases.map((c, i) => {
    const r = peakRss(i);
    return `${c.name} ${mib(r.peak)} (${mib(r.peak - r.before)} above the ${mib(r.before)} the input takes)`;
  });
  return [
    table(`Parquet writing (${ROWS.toLocaleString('en')} realistic span rows in ${BATCHES} batches → one file)`, 'span rows', results, peer),
    `File size per span: ${perSpan} (this synthetic data repeats a lot; real spans take more). Summit and parquet-wasm use zstd; @dsnp/parquetjs has no zstd and uses snappy.`,
    `Peak RSS, each case alone in a child process: ${rss.join('; ')}.`,
    amplificationProbe(),
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--amplification') {
  process.stdout.write(`${JSON.stringify(await amplificationChild())}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--rss') {
  const batches = inputs();
  const { cases, close } = makeCases(batches);
  const c = cases[Number(process.argv[3])];
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage.rss();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  for (let i = 0; i < 3; i++) await c.run();
  peak = Math.max(peak, process.memoryUsage.rss());
  clearInterval(sampler);
  await close();
  process.stdout.write(`${JSON.stringify({ before, peak })}\n`);
}
