/**
 * What resources, scopes and metrics cost: their texts are shared by all their rows (Arrow
 * dictionary columns, Parquet dictionary pages) instead of copied onto each, long texts are cut
 * and marked, and a file ends before Parquet's dictionaries could overflow into per-row copies.
 * Through the real writer thread, read back with DuckDB.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { attrs, newSpan, tracesOf } from '../../pipeline/builders.js';
import { AggregationTemporality, type AnyValue, type Metrics, type Span, type Traces } from '../../pipeline/model.js';
import { FileSet, MAX_SHARED_BYTES } from './files.js';
import { openDuckDB, queryRows, readBack, tableSource } from './readback.js';
import { maxSetBytes, truncationMarker } from './values.js';
import { WriterThreads } from './worker.js';

const logger = pino({ level: 'silent' });
const T = 1_700_000_000_000_000_000n;
let threads: WriterThreads;
const dirs: string[] = [];

beforeAll(() => {
  threads = new WriterThreads({ logger });
});
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
afterAll(async () => {
  await threads.close();
});

function spans(n: number, from = 0): Span[] {
  return Array.from({ length: n }, (_, i) =>
    newSpan({
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: (from + i + 1).toString(16).padStart(16, '0'),
      name: 'GET /items',
      startTimeUnixNano: T + BigInt(from + i),
      endTimeUnixNano: T + 1000n,
    }),
  );
}

/** Writes the batches into one FileSet and waits for the files; returns its directory and what was cut or dropped. */
async function write(o: { maxValueBytes?: number }, ...batches: [signal: 'traces' | 'metrics', data: Traces | Metrics][]) {
  const dir = mkdtempSync(join(tmpdir(), 'summit-parquet-limits-'));
  dirs.push(dir);
  const limited = { truncated: 0, dropped: 0 };
  const files = new FileSet({
    dir,
    compression: 'zstd',
    maxRows: 1e6,
    maxBytes: 1e12,
    maxAgeMs: 0,
    maxHeldSends: Infinity,
    logger,
    sink: threads,
    maxValueBytes: o.maxValueBytes,
    onLimited: (c) => {
      limited.truncated += c.truncated;
      limited.dropped += c.dropped;
    },
  });
  const sends = batches.map(([signal, data]) => files.write(signal, data));
  await files.flush();
  await Promise.all(sends);
  return { dir, limited };
}

/** The column chunks of a resource attribute map's values, per file: their encodings and uncompressed size. */
async function resourceValueChunks(dir: string) {
  const db = await openDuckDB();
  try {
    return await queryRows(
      db.connection,
      `select file_name, encodings, total_uncompressed_size::BIGINT as bytes from parquet_metadata('${dir}/traces/**/*.parquet')
       where path_in_schema = 'resource_attributes, entries, value' order by file_name`,
    );
  } finally {
    db.close();
  }
}

describe('parquet: shared texts and long values', () => {
  it('cuts texts beyond max_value_bytes at a character boundary, marks them, types them Truncated and counts them', async () => {
    const span = spans(1)[0];
    span.attributes = attrs({
      short: 'kept',
      'long.str': 'é'.repeat(600), // 1200 bytes
      'odd.str': `xy${'€'.repeat(400)}`, // 1202 bytes: byte 1000 is inside the 333rd €
      'emoji.str': `z${'🦆'.repeat(300)}`, // 1201 bytes, surrogate pairs in UTF-16
      [`key.${'k'.repeat(1100)}`]: 'v',
    });
    span.attributes.set('long.map', new Map<string, AnyValue>([['m', 'y'.repeat(1100)]]));
    const traces = tracesOf([span], { 'service.name': 's'.repeat(1500), 'host.name': 'web-1' });
    traces.resourceSpans[0].scopeSpans[0].scope.name = 'n'.repeat(1001);
    const { dir, limited } = await write({ maxValueBytes: 1000 }, ['traces', traces]);

    // 4 span attribute values, a key, service.name and the scope name; the promoted service_name is not counted twice
    expect(limited).toEqual({ truncated: 7, dropped: 0 });
    const [row] = await readBack(dir, 'traces');
    const a = (row.item as Span).attributes;
    expect(a.get('short')).toBe('kept');
    expect(a.get('long.str')).toBe(`${'é'.repeat(500)}${truncationMarker(1200)}`);
    expect(a.get('odd.str')).toBe(`xy${'€'.repeat(332)}${truncationMarker(1202)}`);
    expect(a.get('emoji.str')).toBe(`z${'🦆'.repeat(249)}${truncationMarker(1201)}`);
    expect(a.get(`key.${'k'.repeat(996)}${truncationMarker(1104)}`)).toBe('v');
    // a cut Map is no longer JSON: it reads back as the text it is
    expect(a.get('long.map')).toBe(`{"m":"${'y'.repeat(994)}${truncationMarker(1108)}`);
    expect(row.resource.attributes.get('service.name')).toBe(`${'s'.repeat(1000)}${truncationMarker(1500)}`);
    expect(row.resource.attributes.get('host.name')).toBe('web-1');
    expect(row.scope.name).toBe(`${'n'.repeat(1000)}${truncationMarker(1001)}`);

    const db = await openDuckDB();
    try {
      // the README's queries: which values were cut, and by key
      const [found] = await queryRows(
        db.connection,
        `select list_sort(list_transform(list_filter(map_entries(attribute_types), e -> e.value = 'Truncated'), e -> e.key)) as cut_keys,
                list_contains(map_values(attribute_types), 'Truncated') as any_cut,
                resource_attribute_types['service.name'] as service_type, service_name = resource_attributes['service.name'] as promoted_same,
                attribute_types['short'] as short_type
         from ${tableSource(dir, 'traces')}`,
      );
      expect(found).toMatchObject({ any_cut: true, service_type: 'Truncated', promoted_same: true, short_type: null });
      // the type describes the value: a cut key with a whole value carries its marker in the key only
      expect((found.cut_keys as { items: string[] }).items).toEqual(['emoji.str', 'long.map', 'long.str', 'odd.str']);
    } finally {
      db.close();
    }
  });

  it(`a resource keeps ${maxSetBytes(64 * 1024) / 1024} KiB of attributes; the rest is dropped, counted in resource_dropped_attributes_count`, async () => {
    const attributes: Record<string, string> = { 'service.name': 'big' };
    for (let i = 0; i < 8; i++) attributes[`part.${i}`] = String(i).repeat(60 * 1024);
    const traces = tracesOf(spans(3), attributes);
    traces.resourceSpans[0].resource.droppedAttributesCount = 2;
    const { dir, limited } = await write({}, ['traces', traces]);
    expect(limited).toEqual({ truncated: 0, dropped: 4 }); // 4 × 60 KiB fit in 256 KiB with service.name
    const rows = await readBack(dir, 'traces');
    expect(rows).toHaveLength(3);
    for (const r of rows) {
      expect([...r.resource.attributes.keys()]).toEqual(['service.name', 'part.0', 'part.1', 'part.2', 'part.3']);
      expect(r.resource.droppedAttributesCount).toBe(6);
    }
  });

  it('metric texts are shared and cut too: name, description, unit and metadata', async () => {
    const metrics: Metrics = {
      resourceMetrics: [
        {
          resource: { attributes: attrs({ 'service.name': 'm' }), droppedAttributesCount: 0 },
          schemaUrl: '',
          scopeMetrics: [
            {
              scope: { name: 'meter', version: '1', attributes: new Map(), droppedAttributesCount: 0 },
              schemaUrl: '',
              metrics: [
                {
                  name: 'requests',
                  description: 'd'.repeat(2000),
                  unit: '1',
                  metadata: attrs({ note: 'n'.repeat(2000) }),
                  data: {
                    type: 'sum',
                    aggregationTemporality: AggregationTemporality.Cumulative,
                    isMonotonic: true,
                    dataPoints: Array.from({ length: 50 }, (_, i) => ({
                      attributes: attrs({ i: BigInt(i) }),
                      startTimeUnixNano: T,
                      timeUnixNano: T + BigInt(i),
                      value: BigInt(i),
                      exemplars: [],
                      flags: 0,
                    })),
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    const { dir, limited } = await write({ maxValueBytes: 1000 }, ['metrics', metrics]);
    expect(limited).toEqual({ truncated: 2, dropped: 0 }); // once each, not once per data point
    const db = await openDuckDB();
    try {
      expect(
        await queryRows(
          db.connection,
          `select count(*)::INT as n, count(distinct metric_description)::INT as descriptions, any_value(strlen(metric_description))::INT as bytes,
                  any_value(metric_metadata_types['note']) as note_type
           from ${tableSource(dir, 'metrics')}`,
        ),
      ).toEqual([{ n: 50, descriptions: 1, bytes: 1000 + Buffer.byteLength(truncationMarker(2000)), note_type: 'Truncated' }]);
    } finally {
      db.close();
    }
  });

  it('a resource value is stored once per column chunk (a Parquet dictionary page), not once per row', async () => {
    const big = 'v'.repeat(64 * 1024 - 10);
    const { dir } = await write({}, ['traces', tracesOf(spans(500), { 'service.name': 'shared', 'process.command_line': big })]);
    const chunks = await resourceValueChunks(dir);
    expect(chunks).toHaveLength(1);
    expect(chunks[0].encodings).toMatch(/RLE_DICTIONARY/);
    // copied onto each row it would be 500 × 64 KiB = 31 MiB before compression
    expect(Number(chunks[0].bytes)).toBeLessThan(256 * 1024);
    const db = await openDuckDB();
    try {
      expect(
        await queryRows(db.connection, `select count(*)::INT as n, count(distinct resource_attributes['process.command_line'])::INT as d from ${tableSource(dir, 'traces')}`),
      ).toEqual([{ n: 500, d: 1 }]);
      // dictionary columns keep the row-group statistics engines skip row groups by
      expect(
        await queryRows(db.connection, `select stats_min_value as lo, stats_max_value as hi from parquet_metadata('${dir}/traces/**/*.parquet') where path_in_schema = 'service_name'`),
      ).toEqual([{ lo: 'shared', hi: 'shared' }]);
    } finally {
      db.close();
    }
  });

  it(`a file ends once its distinct shared texts reach ${MAX_SHARED_BYTES / 1024 / 1024} MiB, so Parquet never falls back to per-row copies`, async () => {
    // 64 resources with a distinct 60 KiB value each (3.75 MiB in all, beyond the dictionary page limit), 50 spans each
    const batches: ['traces', Traces][] = Array.from({ length: 64 }, (_, r) => [
      'traces',
      tracesOf(spans(50, r * 50), { 'service.name': `svc-${r}`, 'process.command_line': `${r}:`.padEnd(60 * 1024, String.fromCharCode(97 + (r % 26))) }),
    ]);
    const { dir } = await write({}, ...batches);
    const chunks = await resourceValueChunks(dir);
    expect(chunks.length).toBeGreaterThanOrEqual(2);
    for (const c of chunks) {
      expect(c.encodings).toMatch(/RLE_DICTIONARY/);
      // per-row copies of even one resource would be 50 × 60 KiB = 2.9 MiB
      expect(Number(c.bytes)).toBeLessThan(MAX_SHARED_BYTES + 512 * 1024);
    }
    const db = await openDuckDB();
    try {
      expect(await queryRows(db.connection, `select count(*)::INT as n, count(distinct service_name)::INT as services from ${tableSource(dir, 'traces')}`)).toEqual([
        { n: 3200, services: 64 },
      ]);
    } finally {
      db.close();
    }
  });
});
