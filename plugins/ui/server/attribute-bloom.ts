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
 * and one for its resources' (1 bit a span: a file holds few resources). The lake calls `update`
 * with its listing at start, every half minute and at each attribute search, so new files are
 * indexed as they appear; with a filter file (filter-file.ts) a restart reads the filters back
 * instead of the lake. A filter holds while its file's stat stamp (size, mtime, inode) is the one
 * it was built from: a file is finished before the exporter moves it into its partition and never
 * changes, compaction writes new files, and anything else that changes a file voids its filter,
 * so the file is read. A search meanwhile reads every file without a filter.
 */
import type { DuckDBBitValue, DuckDBConnection } from '@duckdb/node-api';
import { fileStamp, type Bits, type FileFilter, type FilterFile } from './filter-file.js';

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
/** The filters' layout: kept filters of another layout are dropped. */
const LAYOUT = `bloom 1: shifts ${SHIFTS.join(',')}, ${BITS_PER_SPAN} bits a span`;

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

function mayHave(b: Bits, h: bigint): boolean {
  const m = BigInt(b.m);
  return SHIFTS.every((s) => {
    const g = b.data[0] + Number((h >> BigInt(s)) % m);
    return (b.data[1 + (g >> 3)] & (0x80 >> (g & 7))) !== 0;
  });
}

/** 16 bits a span for the spans' pairs; 1 for the resources' (a file holds few resources), as powers of two. */
const bitsFor = (spans: number, perSpan: number) => Math.min(MAX_BITS, Math.max(MIN_BITS, 2 ** Math.ceil(Math.log2(Math.max(1, spans * perSpan)))));

const bytesOf = (f: FileFilter) => f.spans.data.length + f.resources.data.length;

export class AttributeBloom {
  private readonly filters = new Map<string, FileFilter>();
  private bytes = 0;
  private loading?: Promise<void>;
  private running?: Promise<void>;
  /** The newest listing of the lake's files, newest first, waiting for the build under way to end. */
  private pending?: string[];
  private stopped = false;
  /** Filters read back from the filter file, and built from the lake, since this started. */
  readonly counts = { loaded: 0, built: 0 };

  constructor(
    private readonly connect: () => Promise<DuckDBConnection>,
    /** Filters kept at most (bytes); the oldest files beyond are always read. */
    private readonly maxBytes: number,
    private readonly onError: (err: unknown, file: string) => void,
    /** Where filters are kept across restarts; none: built again after each start. */
    private readonly store?: FilterFile,
  ) {}

  /** Resolves once the filters kept in the filter file are read back (at once without one). */
  ready(): Promise<void> {
    return (this.loading ??= this.load());
  }

  private async load(): Promise<void> {
    if (!this.store) return;
    try {
      // a DuckDB whose hash differs would make every kept filter wrong: its hash of a probe is part of the version
      const [probe] = await this.hashes([['summit.ui', 'attribute filter probe']]);
      for (const [file, f] of this.store.load(`${LAYOUT}, probe ${probe}`)) this.hold(file, f);
      this.counts.loaded = this.filters.size;
    } catch (err) {
      this.onError(err, 'the filter file');
    }
  }

  private hold(file: string, f: FileFilter): void {
    this.filters.set(file, f);
    this.bytes += bytesOf(f);
  }

  private forget(files: Iterable<string>): void {
    const gone = [...files];
    for (const file of gone) {
      const f = this.filters.get(file);
      if (!f) continue;
      this.filters.delete(file);
      this.bytes -= bytesOf(f);
    }
    if (gone.length) this.store?.delete(gone);
  }

  /** Builds filters for the files (given newest first) without one, unless a build runs (it takes this listing next); forgets files gone. */
  update(files: string[]): void {
    if (this.stopped) return;
    this.pending = files;
    this.running ??= this.run().finally(() => (this.running = undefined));
  }

  private async run(): Promise<void> {
    await this.ready();
    for (let files = this.pending; files && !this.stopped; files = this.pending) {
      this.pending = undefined;
      const present = new Set(files);
      this.forget([...this.filters.keys()].filter((f) => !present.has(f)));
      await this.build(files);
    }
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

  /**
   * Makes room for `bytes` more by forgetting the filters of the oldest files, those after
   * `index` in `files` (newest first); false when only newer files' filters fill the budget.
   */
  private makeRoom(bytes: number, files: string[], index: number): boolean {
    for (let i = files.length - 1; this.bytes + bytes > this.maxBytes; i--) {
      if (i <= index) return false;
      if (this.filters.has(files[i])) this.forget([files[i]]);
    }
    return true;
  }

  private async build(files: string[]): Promise<void> {
    if (files.every((f) => this.filters.get(f)?.stamp === fileStamp(f))) return;
    const c = await this.connect();
    for (const [index, file] of files.entries()) {
      if (this.stopped) return;
      const stamp = fileStamp(file);
      const held = this.filters.get(file);
      if (held?.stamp === stamp) continue;
      if (held) this.forget([file]);
      if (stamp === undefined) continue; // compacted away meanwhile
      try {
        const [{ rows }] = (await c.runAndReadAll(`SELECT num_rows AS rows FROM parquet_file_metadata(${sqlString(file)})`)).getRowObjects() as { rows: bigint }[];
        const m = bitsFor(Number(rows), BITS_PER_SPAN);
        const mr = bitsFor(Number(rows), 1);
        if (!this.makeRoom(2 + (m + mr) / 8, files, index)) return;
        const source = `read_parquet(${sqlString(file)})`;
        const bitsOf = (column: string, bits: number) => `(SELECT bitstring_agg(p::BIGINT, 0, ${bits - 1}) FROM (
            SELECT unnest([${SHIFTS.map((s) => `(h >> ${s}) % ${bits}`).join(', ')}]) AS p FROM (
              SELECT DISTINCT hash(e.key, e.value) AS h FROM (SELECT unnest(map_entries(${column})) AS e FROM ${source}))))`;
        const [row] = (await c.runAndReadAll(`SELECT ${bitsOf('attributes', m)} AS spans, ${bitsOf('resource_attributes', mr)} AS resources`)).getRowObjects() as {
          spans: DuckDBBitValue | null;
          resources: DuckDBBitValue | null;
        }[];
        // no attributes at all: an empty filter rules every pair out
        const filter: FileFilter = { stamp, spans: { m, data: row.spans?.data ?? new Uint8Array(1 + m / 8) }, resources: { m: mr, data: row.resources?.data ?? new Uint8Array(1 + mr / 8) } };
        this.hold(file, filter);
        this.counts.built++;
        this.store?.put(file, filter);
      } catch (err) {
        // a file compacted away meanwhile, or unreadable: it stays unindexed, so it is read
        if (fileStamp(file) !== undefined) this.onError(err, file);
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
    if (!f || fileStamp(file) !== f.stamp) return hashes.map(() => ANYWHERE);
    return hashes.map((h) => ({ spans: mayHave(f.spans, h), resources: mayHave(f.resources, h) }));
  }

  /** Whether the file may hold a span with every pair, on itself or its resource. */
  mayHold(file: string, hashes: bigint[]): boolean {
    return this.places(file, hashes).every((p) => p.spans || p.resources);
  }
}
