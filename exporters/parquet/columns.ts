/**
 * Arrow-layout column builders: rows are appended straight into typed arrays (int64 as
 * BigInt64Array, strings as UTF-8 bytes plus int32 offsets, validity as a bitmap made only once
 * a null appears), so a chunk of rows becomes Arrow data without per-value objects, and its
 * buffers — SharedArrayBuffers from a pool — are handed to the writer thread without copying.
 *
 * Values that many rows share — a resource's, a scope's, a metric's — are dictionary columns:
 * the chunk holds each once and its rows hold indexes, so a big resource costs its size once
 * per chunk, not once per span.
 */
import type { AnyValue, Attributes } from '../../pipeline/model.js';
import type { JsonSink } from '../../pipeline/json-writer.js';
import { allocLargeShared } from '../../pipeline/large-buffer.js';
import { TRUNCATED, valueText, valueType, writeTypedJson, type ValueLimit } from './values.js';

export type ColumnType = 'utf8' | 'i64' | 'i32' | 'u32' | 'f64' | 'bool' | 'ts' | 'list' | 'struct' | 'map' | 'dict';

/** The schema of one column, plain data so it can be posted to the writer thread. */
export interface ColumnSpec {
  name: string;
  type: ColumnType;
  nullable: boolean;
  /** list: [element]; struct: its fields; map: [key, value]; dict: [dictionary values]. */
  children?: ColumnSpec[];
}

/** One column's buffers in Arrow layout (views of exact length), ready to post to the writer thread. */
export interface ColumnData {
  length: number;
  nullCount: number;
  validity?: Uint8Array;
  offsets?: Int32Array;
  /** dict: the int32 indexes into children[0], the dictionary. */
  values?: Uint8Array | Int32Array | Uint32Array | BigInt64Array | Float64Array;
  children?: ColumnData[];
}

export interface Builder {
  readonly length: number;
  spec(name: string, nullable?: boolean): ColumnSpec;
  /** Bytes the appended values take. */
  byteSize(): number;
  /** The appended values as Arrow buffers; the builder starts empty with fresh buffers. */
  finish(): ColumnData;
}

/** Validity bitmap, allocated at the first null; bits of rows appended later default to valid. */
class Validity {
  bits?: Uint8Array;
  nulls = 0;

  setNull(index: number, capacity: number): void {
    if (this.bits === undefined) this.bits = new Uint8Array(((capacity + 7) >> 3) + 1).fill(0xff);
    else if (index >> 3 >= this.bits.length) this.grow(capacity);
    this.bits[index >> 3] &= ~(1 << (index & 7));
    this.nulls++;
  }

  grow(capacity: number): void {
    if (this.bits === undefined) return;
    const next = new Uint8Array(((capacity + 7) >> 3) + 1).fill(0xff);
    next.set(this.bits);
    this.bits = next;
  }

  take(length: number): { nullCount: number; validity?: Uint8Array } {
    const out = this.nulls > 0 && this.bits ? { nullCount: this.nulls, validity: this.bits.slice(0, (length + 7) >> 3) } : { nullCount: 0 };
    this.bits = undefined;
    this.nulls = 0;
    return out;
  }
}

const INITIAL = 1024;

/**
 * Recycled buffers for column data. Allocating ArrayBuffers makes V8 count "external memory"
 * and run full mark-compact collections of the whole heap — which holds the batches waiting
 * for their file — several times per file, and so does receiving transferred ones. Column data
 * therefore lives in SharedArrayBuffers (shared with the writer thread, neither copied nor
 * transferred), which go back to this pool once the writer has taken their rows in: a steady
 * stream of rows allocates nothing new.
 */
export class BufferPool {
  private readonly free = new Map<number, SharedArrayBuffer[]>();
  private pooled = 0;

  /**
   * Steady writing reuses buffers of up to a chunk's size (16 MiB, FileSet's chunkBytes); a
   * bigger one is an outlier that, kept, would hold its memory for good (a 64 MiB buffer sat in
   * the pool in bench `fuzz`, beside 16 MiB more, when the total allowed was 96 MiB).
   */
  constructor(
    private readonly maxPooledBytes = 32 * 1024 * 1024,
    private readonly maxBufferBytes = 16 * 1024 * 1024,
  ) {}

  /** A buffer of at least `minBytes` (a power of two), possibly holding old data. */
  take(minBytes: number): SharedArrayBuffer {
    let size = 1024;
    while (size < minBytes) size *= 2;
    const b = this.free.get(size)?.pop();
    if (b) {
      this.pooled -= size;
      return b;
    }
    return allocLargeShared(size);
  }

  give(b: ArrayBufferLike): void {
    const size = b.byteLength;
    // not one of ours, or the pool is full: let GC have it
    if (!(b instanceof SharedArrayBuffer) || size < 1024 || size > this.maxBufferBytes || (size & (size - 1)) !== 0 || this.pooled + size > this.maxPooledBytes)
      return;
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(b);
    this.pooled += size;
  }

  get pooledBytes(): number {
    return this.pooled;
  }
}

export const bufferPool = new BufferPool();

/** Offsets for `rows` rows from the pool; a recycled buffer holds old data, so offset 0 is set. */
function offsetsFor(rows: number): Int32Array {
  const a = new Int32Array(bufferPool.take(4 * (rows + 1)));
  a[0] = 0;
  return a;
}

function grownCapacity(current: number, needed: number): number {
  let c = Math.max(current, 16);
  while (c < needed) c *= 2;
  return c;
}

// ---------------------------------------------------------------- strings

/** The most a string column's next chunk starts with; more grows by doubling as rows come. */
const NEXT_CHUNK_MAX_BYTES = 1024 * 1024;

export class Utf8Builder implements Builder, JsonSink {
  length = 0;
  private offsets = offsetsFor(INITIAL);
  private bytes: Uint8Array;
  /** JsonSink: the bytes, and where the next one goes (appendValue writes JSON straight in). */
  buf: Buffer;
  pos = 0;
  private readonly validity = new Validity();

  constructor(private initialBytes = 16 * 1024) {
    this.bytes = new Uint8Array(bufferPool.take(initialBytes));
    this.buf = Buffer.from(this.bytes.buffer);
  }

  spec(name: string, nullable = true): ColumnSpec {
    return { name, type: 'utf8', nullable };
  }

  private ensureRows(): void {
    if (this.length + 2 > this.offsets.length) this.growRows(this.length + 2);
  }

  private growRows(needed: number): void {
    const next = new Int32Array(bufferPool.take(4 * grownCapacity(this.offsets.length, needed)));
    next.set(this.offsets.subarray(0, this.length + 1));
    bufferPool.give(this.offsets.buffer);
    this.offsets = next;
    this.validity.grow(next.length);
  }

  private ensureBytes(extra: number): void {
    if (this.pos + extra > this.bytes.length) {
      const next = new Uint8Array(bufferPool.take(grownCapacity(this.bytes.length, this.pos + extra)));
      next.set(this.bytes.subarray(0, this.pos));
      bufferPool.give(this.bytes.buffer);
      this.bytes = next;
      this.buf = Buffer.from(next.buffer);
    }
  }

  append(s: string): void {
    this.ensureRows();
    const n = s.length;
    this.ensureBytes(n * 3);
    const bytes = this.bytes;
    let pos = this.pos;
    if (n <= 64) {
      // ASCII is by far the common case; a JS loop beats a call into C++ for short strings.
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        bytes[pos + i] = c;
      }
      pos = i === n ? pos + n : pos + this.buf.write(s, pos);
    } else {
      pos += this.buf.write(s, pos);
    }
    this.pos = pos;
    this.offsets[++this.length] = pos;
  }

  reserve(bytes: number): void {
    this.ensureBytes(bytes);
  }

  /** An AnyValue's text (valueText), a Slice or Map written as its JSON without making the text first. */
  appendValue(v: AnyValue): void {
    if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return this.appendOrNull(valueText(v));
    this.ensureRows();
    const start = this.pos;
    try {
      writeTypedJson(v, this);
    } catch (err) {
      this.pos = start; // nothing of a value that failed midway may become part of the next row
      throw err;
    }
    this.offsets[++this.length] = this.pos;
  }

  /** A string, or null for NULL. */
  appendOrNull(s: string | null): void {
    if (s === null) this.appendNull();
    else this.append(s);
  }

  /** Absent ids ("") are NULL. */
  appendId(s: string): void {
    if (s === '') this.appendNull();
    else this.append(s);
  }

  appendNull(): void {
    this.ensureRows();
    this.validity.setNull(this.length, this.offsets.length);
    this.offsets[this.length + 1] = this.pos;
    this.length++;
  }

  byteSize(): number {
    return this.pos + 4 * this.length;
  }

  finish(): ColumnData {
    const n = this.length;
    const out: ColumnData = { length: n, ...this.validity.take(n), offsets: this.offsets.subarray(0, n + 1), values: this.bytes.subarray(0, this.pos) };
    this.offsets = offsetsFor(Math.max(INITIAL, n));
    // sized for a chunk like the last, but an outlier's size is not carried to the next chunk
    this.bytes = new Uint8Array(bufferPool.take(Math.max(this.initialBytes, Math.min(this.pos, NEXT_CHUNK_MAX_BYTES))));
    this.buf = Buffer.from(this.bytes.buffer);
    this.pos = 0;
    this.length = 0;
    return out;
  }
}

// ---------------------------------------------------------------- fixed-width values

type NumberArray = BigInt64Array | Float64Array | Int32Array | Uint32Array;

abstract class FixedBuilder<A extends NumberArray> implements Builder {
  length = 0;
  protected values: A;
  protected readonly validity = new Validity();

  constructor(
    private readonly type: ColumnType,
    private readonly make: (b: SharedArrayBuffer) => A,
    private readonly width: number,
  ) {
    this.values = make(bufferPool.take(INITIAL * width));
  }

  spec(name: string, nullable = true): ColumnSpec {
    return { name, type: this.type, nullable };
  }

  protected ensure(): void {
    if (this.length >= this.values.length) {
      const next = this.make(bufferPool.take(this.width * grownCapacity(this.values.length, this.length + 1)));
      (next as unknown as { set(a: A): void }).set(this.values);
      bufferPool.give(this.values.buffer);
      this.values = next;
      this.validity.grow(next.length);
    }
  }

  appendNull(): void {
    this.ensure();
    this.validity.setNull(this.length, this.values.length);
    this.length++;
  }

  byteSize(): number {
    return this.length * this.values.BYTES_PER_ELEMENT;
  }

  finish(): ColumnData {
    const n = this.length;
    const out: ColumnData = { length: n, ...this.validity.take(n), values: this.values.subarray(0, n) };
    this.values = this.make(bufferPool.take(this.width * Math.max(INITIAL, n)));
    this.length = 0;
    return out;
  }
}

export class Int64Builder extends FixedBuilder<BigInt64Array> {
  /** `ts`: TIMESTAMP(NANOS) without a time zone, which DuckDB reads as TIMESTAMP_NS, exactly. */
  constructor(type: 'i64' | 'ts' = 'i64') {
    super(type, (b) => new BigInt64Array(b), 8);
  }

  append(v: bigint): void {
    this.ensure();
    this.values[this.length++] = v;
  }

  /** A count or other integral JS number. */
  appendNumber(v: number): void {
    this.ensure();
    // BigInt() throws on fractions and NaN, which a malformed count must not turn into a crash.
    this.values[this.length++] = Number.isInteger(v) ? BigInt(v) : BigInt(Number.isFinite(v) ? Math.trunc(v) : 0);
  }

  /** A timestamp: 0 is "unknown" in OTLP and becomes NULL. */
  appendTime(v: bigint): void {
    if (v === 0n) this.appendNull();
    else this.append(v);
  }
}

export class Float64Builder extends FixedBuilder<Float64Array> {
  constructor() {
    super('f64', (b) => new Float64Array(b), 8);
  }

  append(v: number): void {
    this.ensure();
    this.values[this.length++] = v;
  }

  appendOptional(v: number | undefined): void {
    if (v === undefined) this.appendNull();
    else this.append(v);
  }
}

export class Int32Builder extends FixedBuilder<Int32Array> {
  constructor() {
    super('i32', (b) => new Int32Array(b), 4);
  }

  append(v: number): void {
    this.ensure();
    this.values[this.length++] = v;
  }
}

export class Uint32Builder extends FixedBuilder<Uint32Array> {
  constructor() {
    super('u32', (b) => new Uint32Array(b), 4);
  }

  append(v: number): void {
    this.ensure();
    this.values[this.length++] = v;
  }
}

export class BoolBuilder implements Builder {
  length = 0;
  private bits = new Uint8Array(INITIAL >> 3);
  private readonly validity = new Validity();

  spec(name: string, nullable = true): ColumnSpec {
    return { name, type: 'bool', nullable };
  }

  private ensure(): void {
    if (this.length >> 3 >= this.bits.length) {
      const next = new Uint8Array(this.bits.length * 2);
      next.set(this.bits);
      this.bits = next;
      this.validity.grow(next.length * 8);
    }
  }

  append(v: boolean): void {
    this.ensure();
    if (v) this.bits[this.length >> 3] |= 1 << (this.length & 7);
    this.length++;
  }

  appendNull(): void {
    this.ensure();
    this.validity.setNull(this.length, this.bits.length * 8);
    this.length++;
  }

  byteSize(): number {
    return (this.length + 7) >> 3;
  }

  finish(): ColumnData {
    const n = this.length;
    const out: ColumnData = { length: n, ...this.validity.take(n), values: this.bits.slice(0, (n + 7) >> 3) };
    this.bits = new Uint8Array(Math.max(INITIAL, n) >> 3);
    this.length = 0;
    return out;
  }
}

// ---------------------------------------------------------------- nested

/** LIST<child>: append the row's elements to `child`, then call `next()`. */
export class ListBuilder<C extends Builder> implements Builder {
  length = 0;
  private offsets = offsetsFor(INITIAL);
  private readonly validity = new Validity();

  constructor(
    readonly child: C,
    private readonly elementName = 'element',
    private readonly elementNullable = false,
  ) {}

  spec(name: string, nullable = true): ColumnSpec {
    return { name, type: 'list', nullable, children: [this.child.spec(this.elementName, this.elementNullable)] };
  }

  private ensure(): void {
    if (this.length + 2 > this.offsets.length) {
      const next = new Int32Array(bufferPool.take(4 * grownCapacity(this.offsets.length, this.length + 2)));
      next.set(this.offsets.subarray(0, this.length + 1));
      bufferPool.give(this.offsets.buffer);
      this.offsets = next;
      this.validity.grow(next.length);
    }
  }

  /** Ends the current row: the elements appended to `child` since the previous row are its list. */
  next(): void {
    this.ensure();
    this.offsets[++this.length] = this.child.length;
  }

  appendNull(): void {
    this.ensure();
    this.validity.setNull(this.length, this.offsets.length);
    this.offsets[this.length + 1] = this.child.length;
    this.length++;
  }

  byteSize(): number {
    return 4 * this.length + this.child.byteSize();
  }

  finish(): ColumnData {
    const n = this.length;
    const out: ColumnData = { length: n, ...this.validity.take(n), offsets: this.offsets.subarray(0, n + 1), children: [this.child.finish()] };
    this.offsets = offsetsFor(Math.max(INITIAL, n));
    this.length = 0;
    return out;
  }
}

/** STRUCT: append to every field, then call `next()`. Never NULL itself. */
export class StructBuilder implements Builder {
  length = 0;

  constructor(private readonly fields: [string, Builder, boolean][]) {}

  spec(name: string, nullable = false): ColumnSpec {
    return { name, type: 'struct', nullable, children: this.fields.map(([n, b, nl]) => b.spec(n, nl)) };
  }

  next(): void {
    this.length++;
  }

  byteSize(): number {
    let n = 0;
    for (const [, b] of this.fields) n += b.byteSize();
    return n;
  }

  finish(): ColumnData {
    const n = this.length;
    this.length = 0;
    return { length: n, nullCount: 0, children: this.fields.map(([, b]) => b.finish()) };
  }
}

/** Texts shared by many rows and appended together: a resource's attribute keys, its values, its schema URL… */
export type SharedTexts = readonly (string | null)[];

/**
 * DICTIONARY<int32, utf8>, for texts shared by many rows: a chunk holds each distinct text once
 * and its rows hold indexes. Parquet writes the column with dictionary pages; readers see plain
 * strings (DuckDB: VARCHAR).
 *
 * Parquet's dictionary covers a whole row group; if its texts outgrow the writer's dictionary
 * page limit, the writer falls back to writing every row's copy. `tally` therefore counts the
 * bytes of the distinct texts this column holds in its file, as Parquet counts them (length +
 * 4), and the file is finished before that can happen (files.ts).
 */
export class DictionaryBuilder implements Builder {
  length = 0;
  private indices = new Int32Array(bufferPool.take(4 * INITIAL));
  private readonly validity = new Validity();
  private readonly dictionary = new Utf8Builder(1024);
  /** This chunk's dictionary: text → index. */
  private readonly indexOf = new Map<string, number>();
  /** The texts of the previous row, whose indexes start at `lastStart`: rows nearly always repeat them. */
  private last: SharedTexts = [];
  private lastStart = 0;
  /** Distinct texts of this file's earlier chunks too. */
  private readonly inFile = new Set<string>();

  constructor(private readonly tally: { bytes: number }) {}

  spec(name: string, nullable = true): ColumnSpec {
    return { name, type: 'dict', nullable, children: [this.dictionary.spec('dictionary', false)] };
  }

  /** Appends the texts as rows (NULL texts as NULL indexes). */
  appendShared(texts: SharedTexts): void {
    const n = texts.length;
    const start = this.length;
    if (start + n > this.indices.length) {
      const next = new Int32Array(bufferPool.take(4 * grownCapacity(this.indices.length, start + n)));
      next.set(this.indices.subarray(0, start));
      bufferPool.give(this.indices.buffer);
      this.indices = next;
      this.validity.grow(next.length);
    }
    const indices = this.indices;
    const last = this.last;
    const lastStart = this.lastStart;
    for (let i = 0; i < n; i++) {
      const t = texts[i];
      if (t === null) {
        indices[start + i] = 0;
        this.validity.setNull(start + i, indices.length);
      } else {
        // the same text as the previous row's at this place (most often the very same string) has its index
        indices[start + i] = i < last.length && last[i] === t ? indices[lastStart + i] : (this.indexOf.get(t) ?? this.add(t));
      }
    }
    this.last = texts;
    this.lastStart = start;
    this.length = start + n;
  }

  private add(t: string): number {
    const at = this.dictionary.length;
    this.dictionary.append(t);
    this.indexOf.set(t, at);
    if (!this.inFile.has(t)) {
      this.inFile.add(t);
      this.tally.bytes += Buffer.byteLength(t) + 4;
    }
    return at;
  }

  byteSize(): number {
    return 4 * this.length + this.dictionary.byteSize();
  }

  finish(): ColumnData {
    const n = this.length;
    const out: ColumnData = { length: n, ...this.validity.take(n), values: this.indices.subarray(0, n), children: [this.dictionary.finish()] };
    this.indices = new Int32Array(bufferPool.take(4 * Math.max(INITIAL, n)));
    this.length = 0;
    this.indexOf.clear();
    this.last = [];
    return out;
  }
}

/** MAP(key, value) of two builders: add a row's entries to both, then call `next()`. Never NULL itself. */
export class MapBuilder<K extends Builder, V extends Builder> implements Builder {
  length = 0;
  private offsets = offsetsFor(INITIAL);

  constructor(
    readonly keys: K,
    readonly values: V,
  ) {}

  spec(name: string): ColumnSpec {
    return { name, type: 'map', nullable: false, children: [this.keys.spec('key', false), this.values.spec('value', true)] };
  }

  next(): void {
    if (this.length + 2 > this.offsets.length) {
      const next = new Int32Array(bufferPool.take(4 * grownCapacity(this.offsets.length, this.length + 2)));
      next.set(this.offsets.subarray(0, this.length + 1));
      bufferPool.give(this.offsets.buffer);
      this.offsets = next;
    }
    this.offsets[++this.length] = this.keys.length;
  }

  byteSize(): number {
    return 4 * this.length + this.keys.byteSize() + this.values.byteSize();
  }

  finish(): ColumnData {
    const n = this.length;
    const entries = this.keys.length;
    const out: ColumnData = {
      length: n,
      nullCount: 0,
      offsets: this.offsets.subarray(0, n + 1),
      children: [{ length: entries, nullCount: 0, children: [this.keys.finish(), this.values.finish()] }],
    };
    this.offsets = offsetsFor(Math.max(INITIAL, n));
    this.length = 0;
    return out;
  }
}

/** MAP(VARCHAR, VARCHAR). */
export type StringMapBuilder = MapBuilder<Utf8Builder, Utf8Builder>;

const stringMap = (bytes: number): StringMapBuilder => new MapBuilder(new Utf8Builder(bytes), new Utf8Builder(bytes));

/** The two columns of an attribute set (see {@link AttributesBuilder}). */
export interface AttributeColumns {
  readonly values: Builder;
  readonly types: Builder;
}

/**
 * An attribute set as two columns (see values.ts): `values`, MAP(VARCHAR, VARCHAR) of every key
 * to its value as text, and `types`, MAP(VARCHAR, VARCHAR) of the keys whose value is not a
 * string to their type. Strings, nearly all attributes, cost no type entry: the map of types is
 * mostly empty, which keeps encoding cheap, and `attributes['http.route']` is the string itself.
 * Keys and values beyond the limit are cut (their type is then `Truncated`).
 */
export class AttributesBuilder implements AttributeColumns {
  readonly values: StringMapBuilder;
  readonly types: StringMapBuilder;

  constructor(
    private readonly limit: ValueLimit,
    bytes = 16 * 1024,
  ) {
    this.values = stringMap(bytes);
    this.types = stringMap(1024);
  }

  /** One entry of the current row. */
  entry(key: string, v: AnyValue): void {
    const k = this.limit.text(key);
    this.values.keys.append(k);
    const text = typeof v === 'string' ? v : valueText(v);
    const kept = text === null ? null : this.limit.text(text);
    this.values.values.appendOrNull(kept);
    const type = storedType(v, text, kept);
    if (type !== undefined) {
      this.types.keys.append(k);
      this.types.values.append(type);
    }
  }

  /** One row: the whole attribute set. */
  append(attributes: Attributes): void {
    attributes.forEach(this.entryOf);
    this.values.next();
    this.types.next();
  }

  private readonly entryOf = (v: AnyValue, k: string) => this.entry(k, v);
}

/** The entry in the map of types: none for a whole string, `Truncated` for a cut text, else the value's type. */
function storedType(v: AnyValue, text: string | null, kept: string | null): string | undefined {
  return kept !== text ? TRUNCATED : typeof v === 'string' ? undefined : valueType(v);
}

/**
 * An attribute set converted once, to be shared by many rows (see {@link SharedAttributesBuilder}).
 * It keeps at most `limit.maxSetBytes` of keys and values: attributes beyond are left out.
 */
export class EncodedAttributes {
  readonly keys: string[] = [];
  readonly values: (string | null)[] = [];
  readonly typeKeys: string[] = [];
  readonly types: string[] = [];
  /** Attributes left out. */
  readonly dropped: number = 0;

  constructor(attributes: Attributes, limit: ValueLimit) {
    let bytes = 0;
    let truncated = 0;
    for (const [key, v] of attributes) {
      const k = limit.text(key, false);
      const text = typeof v === 'string' ? v : valueText(v);
      const kept = text === null ? null : limit.text(text, false);
      // as Parquet's dictionaries count them: each text plus a 4-byte length
      const size = Buffer.byteLength(k) + (kept === null ? 0 : Buffer.byteLength(kept)) + 8;
      if (bytes + size > limit.maxSetBytes) {
        this.dropped++;
        continue;
      }
      bytes += size;
      if (k !== key) truncated++;
      if (kept !== text) truncated++;
      this.keys.push(k);
      this.values.push(kept);
      const type = storedType(v, text, kept);
      if (type !== undefined) {
        this.typeKeys.push(k);
        this.types.push(type);
      }
    }
    limit.countTruncated(truncated);
    limit.countDropped(this.dropped);
  }
}

/** The columns of an attribute set shared by many rows: AttributesBuilder's, dictionary-encoded. */
export class SharedAttributesBuilder implements AttributeColumns {
  readonly values: MapBuilder<DictionaryBuilder, DictionaryBuilder>;
  readonly types: MapBuilder<DictionaryBuilder, DictionaryBuilder>;

  constructor(tally: { bytes: number }) {
    this.values = new MapBuilder(new DictionaryBuilder(tally), new DictionaryBuilder(tally));
    this.types = new MapBuilder(new DictionaryBuilder(tally), new DictionaryBuilder(tally));
  }

  /** One row. */
  append(set: EncodedAttributes): void {
    this.values.keys.appendShared(set.keys);
    this.values.values.appendShared(set.values);
    this.values.next();
    this.types.keys.appendShared(set.typeKeys);
    this.types.values.appendShared(set.types);
    this.types.next();
  }
}

/** The buffers a chunk's data lives in, each once. */
export function buffersOf(cols: ColumnData[], out = new Set<ArrayBufferLike>()): ArrayBufferLike[] {
  for (const c of cols) {
    for (const a of [c.validity, c.offsets, c.values]) if (a) out.add(a.buffer);
    if (c.children) buffersOf(c.children, out);
  }
  return [...out];
}
