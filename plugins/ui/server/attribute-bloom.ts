/**
 * Per Parquet file of the lake, a Bloom filter of the attribute pairs (`key`, `value`) of its
 * spans and their resources, so a search for an attribute reads only the files that may hold
 * it. Without one, a search for one value of a high-cardinality attribute (a customer id) reads
 * the attribute maps of every span in the lake: the exporter keeps no statistics on map columns
 * (a value's min/max would prune nothing anyway), and decoding the maps is most of the time.
 *
 * Filters are built in the background, newest file first, one file at a time, by DuckDB: each
 * distinct pair's `hash(key, value)` sets 3 bits (from its low, middle and high bits) of the
 * file's filters — one for its spans' attributes (16 bits a span, rounded up to a power of two)
 * and one for its resources' (1 bit a span: a file holds few resources). The first attribute search
 * starts the build and reads every file; later ones skip what the built filters rule out. A file
 * is finished before the exporter moves it into its partition and never changes; compaction
 * replaces files under new names, so a filter is kept while its file's path and size stay.
 */
import { statSync } from 'node:fs';
import type { DuckDBBitValue, DuckDBConnection } from '@duckdb/node-api';

const SHIFTS = [0, 21, 42];

/** Where a pair may be found in a file. */
export interface PairPlaces {
  spans: boolean;
  resources: boolean;
}

const ANYWHERE: PairPlaces = { spans: true, resources: true };
const BITS_PER_SPAN = 16;
const MIN_BITS = 1 << 10;
const MAX_BITS = 1 << 24;

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** A Bloom filter in DuckDB's BIT layout: byte 0 the padding before the first bit, then the bits, first bit highest. */
interface Bits {
  m: number;
  data: Uint8Array;
}

interface Filter {
  size: number;
  spans: Bits;
  resources: Bits;
}

function mayHave(b: Bits, h: bigint): boolean {
  const m = BigInt(b.m);
  return SHIFTS.every((s) => {
    const g = b.data[0] + Number((h >> BigInt(s)) % m);
    return (b.data[1 + (g >> 3)] & (0x80 >> (g & 7))) !== 0;
  });
}

/** 16 bits a span for the spans' pairs; 1 for the resources' (a file holds few resources), as powers of two. */
const bitsFor = (spans: number, perSpan: number) => Math.min(MAX_BITS, Math.max(MIN_BITS, 2 ** Math.ceil(Math.log2(Math.max(1, spans * perSpan)))));

export class AttributeBloom {
  private readonly filters = new Map<string, Filter>();
  private bytes = 0;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly connect: () => Promise<DuckDBConnection>,
    /** Filters kept at most (bytes); the files beyond are always read. */
    private readonly maxBytes: number,
    private readonly onError: (err: unknown, file: string) => void,
  ) {}

  /** Starts building filters for the files not yet indexed (given newest first), unless a build runs; forgets files gone. */
  update(files: string[]): void {
    const present = new Set(files);
    for (const [file, f] of this.filters) {
      if (present.has(file)) continue;
      this.filters.delete(file);
      this.bytes -= f.spans.data.length + f.resources.data.length;
    }
    if (this.stopped || this.running || files.every((f) => this.filters.has(f))) return;
    this.running = this.build(files).finally(() => (this.running = undefined));
  }

  /** Resolves when the build under way (if any) is done. */
  async built(): Promise<void> {
    await this.running;
  }

  /** Ends a build under way after the file it is at (a shutdown does not wait for the whole lake). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  /** Whether filters are being built (searches meanwhile read the files not yet indexed). */
  get building(): boolean {
    return this.running !== undefined;
  }

  get indexed(): number {
    return this.filters.size;
  }

  private async build(files: string[]): Promise<void> {
    const c = await this.connect();
    for (const file of files) {
      if (this.stopped) return;
      if (this.filters.has(file)) continue;
      try {
        const { size } = statSync(file);
        const [{ rows }] = (await c.runAndReadAll(`SELECT num_rows AS rows FROM parquet_file_metadata(${sqlString(file)})`)).getRowObjects() as { rows: bigint }[];
        const m = bitsFor(Number(rows), BITS_PER_SPAN);
        const mr = bitsFor(Number(rows), 1);
        if (this.bytes + (m + mr) / 8 > this.maxBytes) return;
        const source = `read_parquet(${sqlString(file)})`;
        const bitsOf = (column: string, bits: number) => `(SELECT bitstring_agg(p::BIGINT, 0, ${bits - 1}) FROM (
            SELECT unnest([${SHIFTS.map((s) => `(h >> ${s}) % ${bits}`).join(', ')}]) AS p FROM (
              SELECT DISTINCT hash(e.key, e.value) AS h FROM (SELECT unnest(map_entries(${column})) AS e FROM ${source}))))`;
        const [row] = (await c.runAndReadAll(`SELECT ${bitsOf('attributes', m)} AS spans, ${bitsOf('resource_attributes', mr)} AS resources`)).getRowObjects() as {
          spans: DuckDBBitValue | null;
          resources: DuckDBBitValue | null;
        }[];
        // no attributes at all: an empty filter rules every pair out
        const filter = { size, spans: { m, data: row.spans?.data ?? new Uint8Array(1 + m / 8) }, resources: { m: mr, data: row.resources?.data ?? new Uint8Array(1 + mr / 8) } };
        this.filters.set(file, filter);
        this.bytes += filter.spans.data.length + filter.resources.data.length;
      } catch (err) {
        // a file compacted away meanwhile, or unreadable: it stays unindexed, so it is read
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.onError(err, file);
      }
    }
  }

  /** DuckDB's hash of each pair, as the filters took them. */
  async hashes(pairs: [string, string][]): Promise<bigint[]> {
    if (pairs.length === 0) return [];
    const c = await this.connect();
    const row = (await c.runAndReadAll(`SELECT ${pairs.map((_, i) => `hash($${2 * i + 1}::VARCHAR, $${2 * i + 2}::VARCHAR)`).join(', ')}`, pairs.flat())).getRows()[0];
    return row as bigint[];
  }

  /** Per pair (of `hashes`), whether the file's spans and its resources may have it: both without a filter. */
  places(file: string, hashes: bigint[]): PairPlaces[] {
    const f = this.filters.get(file);
    if (!f || statSync(file, { throwIfNoEntry: false })?.size !== f.size) return hashes.map(() => ANYWHERE);
    return hashes.map((h) => ({ spans: mayHave(f.spans, h), resources: mayHave(f.resources, h) }));
  }

  /** Whether the file may hold a span with every pair, on itself or its resource. */
  mayHold(file: string, hashes: bigint[]): boolean {
    return this.places(file, hashes).every((p) => p.spans || p.resources);
  }
}
