/**
 * Mutated OTLP requests for the fuzz probe (fuzz.ts), from a seeded generator: the same seed
 * gives the same requests. Each mutation is named, so whatever a request does to the server can
 * be traced back to what it was.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import { newLogRecord, newSpan, logsOf, metricsOf, gaugeOf, tracesOf } from '../pipeline/builders.js';
import type { Signal, SignalData } from '../pipeline/model.js';
import { encodeSignal as encodeJsonObject } from '../pipeline/otlpjson/index.js';
import { MAX_VALUE_DEPTH, encodeSignal as encodeProtoBytes } from '../pipeline/otlpproto/index.js';
import { GENERATORS, rng, type Rng } from '../pipeline/otlpproto/testing/random.js';

export type Transport = 'http' | 'grpc';
export type Encoding = 'proto' | 'json';

export interface FuzzRequest {
  signal: Signal;
  transport: Transport;
  /** gRPC always sends protobuf. */
  encoding: Encoding;
  /** HTTP: Content-Encoding gzip; gRPC: a gzip-compressed message. */
  gzip: boolean;
  /** What was done to the request, e.g. `bitflip ×3`, `giant-string 12.0 MB resource attribute`. */
  mutation: string;
  /** Its kind, the first word of `mutation`. */
  family: string;
  /** The body as sent (for HTTP with gzip: compressed). */
  body: Buffer;
  /** For the sentry receiver (`signal` then means nothing): its envelope or store endpoint. */
  sentry?: 'envelope' | 'store';
}

export interface FuzzLimits {
  /** The receiver's max_request_body_size (HTTP) and max_recv_msg_size_mib (gRPC), in bytes. */
  httpBytes: number;
  grpcBytes: number;
  /** The most items one "many items" request holds. */
  maxItems: number;
  /** Mutation families not to send (see MUTATION_FAMILIES, SENTRY_MUTATION_FAMILIES). */
  skip?: readonly string[];
  /** What to send: OTLP requests (the default) or Sentry envelopes (fuzz-sentry.ts). */
  target?: 'otlp' | 'sentry';
}

export const DEFAULT_LIMITS: FuzzLimits = { httpBytes: 20 * 1024 * 1024, grpcBytes: 4 * 1024 * 1024, maxItems: 1_000_000 };

const SIGNALS: Signal[] = ['traces', 'metrics', 'logs'];

/** One request: a transport and format, a mutation, and maybe gzip. */
export function fuzzRequest(r: Rng, limits: FuzzLimits = DEFAULT_LIMITS): FuzzRequest {
  const signal = r.pick(SIGNALS);
  const transport: Transport = r.int(3) === 0 ? 'grpc' : 'http';
  const encoding: Encoding = transport === 'grpc' || r.int(2) === 0 ? 'proto' : 'json';
  const gzip = r.int(3) === 0;
  // a little under the limit, so most requests get past the size check and into decoding
  const room = Math.floor((transport === 'grpc' ? limits.grpcBytes : limits.httpBytes) * 0.95) - 1024;
  const kind = pickMutation(r, encoding, limits.skip ?? []);
  const made = kind.make({ r, signal, encoding, room, maxItems: limits.maxItems });
  let body = made.body;
  let mutation = made.name;
  if (gzip && transport === 'http') {
    body = gzipSync(body, { level: 1 });
    if (r.int(8) === 0) {
      body = flipBits(r, body, 1 + r.int(4));
      mutation += ' (gzip stream corrupted)';
    }
  }
  return { signal, transport, encoding, gzip, family: kind.family, mutation, body };
}

interface MutationInput {
  r: Rng;
  signal: Signal;
  encoding: Encoding;
  /** Bytes the body may take. */
  room: number;
  maxItems: number;
}
type Mutation = (m: MutationInput) => { name: string; body: Buffer };

function encode(signal: Signal, data: SignalData[Signal], encoding: Encoding): Buffer {
  const s = signal as 'traces'; // the data belongs to `signal`: one cast instead of one per caller
  const d = data as SignalData['traces'];
  return encoding === 'proto' ? Buffer.from(encodeProtoBytes(s, d)) : Buffer.from(JSON.stringify(encodeJsonObject(s, d)));
}

/** A random, valid request full of awkward values (NaN, ±Inf, int64 extremes, odd scales...). */
const sample = (m: MutationInput): Buffer => encode(m.signal, GENERATORS[m.signal](m.r), m.encoding);

interface MutationKind {
  /** The first word of every request's `mutation`; what --skip names. */
  family: string;
  weight: number;
  /** Only for this encoding; both when absent. */
  only?: Encoding;
  make: Mutation;
}

const MUTATIONS: MutationKind[] = [
  { family: 'edge-values', weight: 3, make: (m) => ({ name: 'edge-values', body: sample(m) }) },
  {
    family: 'bitflip',
    weight: 6,
    make: (m) => {
      const n = 1 + m.r.int(16);
      return { name: `bitflip ×${n}`, body: flipBits(m.r, sample(m), n) };
    },
  },
  {
    family: 'truncate',
    weight: 4,
    make: (m) => {
      const body = sample(m);
      const at = m.r.int(body.length);
      return { name: `truncate at ${at}/${body.length}`, body: body.subarray(0, at) };
    },
  },
  { family: 'length', weight: 4, only: 'proto', make: (m) => corruptLength(m.r, sample(m)) },
  { family: 'number', weight: 4, only: 'json', make: (m) => corruptJsonNumber(m.r, sample(m)) },
  {
    family: 'splice',
    weight: 2,
    make: (m) => {
      const body = sample(m);
      const from = m.r.int(body.length);
      const piece = body.subarray(from, from + 1 + m.r.int(64));
      const at = m.r.int(body.length);
      return { name: `splice ${piece.length} bytes`, body: Buffer.concat([body.subarray(0, at), piece, body.subarray(at)]) };
    },
  },
  { family: 'random', weight: 2, make: (m) => ({ name: 'random bytes', body: Buffer.from(Array.from({ length: m.r.int(4096) }, () => m.r.int(256))) }) },
  { family: 'varint', weight: 2, only: 'proto', make: (m) => hugeVarint(m.r, sample(m)) },
  { family: 'type', weight: 2, only: 'json', make: (m) => jsonWrongType(m.r, sample(m)) },
  { family: 'giant-string', weight: 2, make: giantString },
  { family: 'deep-nesting', weight: 2, make: deepNesting },
  { family: 'invalid-utf8', weight: 2, make: invalidUtf8 },
  { family: 'many-items', weight: 2, make: manyItems },
];

/** Every mutation family, for --skip. */
export const MUTATION_FAMILIES = MUTATIONS.map((k) => k.family);

function pickMutation(r: Rng, encoding: Encoding, skip: readonly string[]): MutationKind {
  const kinds = MUTATIONS.filter((k) => (k.only === undefined || k.only === encoding) && !skip.includes(k.family));
  let x = r.next() * kinds.reduce((sum, k) => sum + k.weight, 0);
  for (const k of kinds) {
    if (x < k.weight) return k;
    x -= k.weight;
  }
  return kinds[kinds.length - 1];
}

export function flipBits(r: Rng, body: Buffer, n: number): Buffer {
  const out = Buffer.from(body);
  if (out.length === 0) return out;
  for (let i = 0; i < n; i++) out[r.int(out.length)] ^= 1 << r.int(8);
  return out;
}

// ---- protobuf wire helpers ----

function varint(n: bigint): number[] {
  let v = BigInt.asUintN(64, n); // negative numbers as protobuf writes them: 10 bytes
  const out: number[] = [];
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

function readVarint(buf: Uint8Array, p: number, end: number): { value: bigint; next: number } | undefined {
  let value = 0n;
  for (let shift = 0n; p < end && shift < 70n; shift += 7n) {
    const b = buf[p++];
    value |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return { value, next: p };
  }
  return undefined;
}

/** Where a length prefix sits: its offset and how many bytes its varint takes. */
interface Prefix {
  at: number;
  size: number;
  length: number;
}

/** Every length prefix of a message and of whatever inside it parses as a message (best effort). */
function lengthPrefixes(buf: Uint8Array, start = 0, end = buf.length, out: Prefix[] = [], depth = 0): Prefix[] {
  let p = start;
  while (p < end) {
    const tag = readVarint(buf, p, end);
    if (!tag) break;
    p = tag.next;
    const wire = Number(tag.value & 7n);
    if (wire === 0) {
      const v = readVarint(buf, p, end);
      if (!v) break;
      p = v.next;
    } else if (wire === 1) p += 8;
    else if (wire === 5) p += 4;
    else if (wire === 2) {
      const len = readVarint(buf, p, end);
      if (!len || len.next + Number(len.value) > end) break;
      const length = Number(len.value);
      out.push({ at: p, size: len.next - p, length });
      if (depth < 32) lengthPrefixes(buf, len.next, len.next + length, out, depth + 1);
      p = len.next + length;
    } else break;
  }
  return out;
}

const splice = (body: Buffer, at: number, remove: number, insert: number[]): Buffer =>
  Buffer.concat([body.subarray(0, at), Buffer.from(insert), body.subarray(at + remove)]);

/** One length prefix replaced by a wrong one: off by one, zero, huge, 2^32, "negative". */
function corruptLength(r: Rng, body: Buffer): { name: string; body: Buffer } {
  const prefixes = lengthPrefixes(body);
  if (prefixes.length === 0) return { name: 'length: no prefix found', body };
  const p = r.pick(prefixes);
  const choices: [string, bigint][] = [
    ['+1', BigInt(p.length + 1)],
    ['-1', BigInt(Math.max(0, p.length - 1))],
    ['0', 0n],
    ['×2', BigInt(p.length * 2)],
    ['2^31-1', 2n ** 31n - 1n],
    ['2^32-1', 2n ** 32n - 1n],
    ['2^32', 2n ** 32n],
    ['2^63', 2n ** 63n],
    ['-1 (10 bytes)', -1n],
    ['-2^31 (10 bytes)', -(2n ** 31n)],
  ];
  const [what, value] = r.pick(choices);
  return { name: `length ${p.length} → ${what}`, body: splice(body, p.at, p.size, varint(value)) };
}

/** A 10- or 11-byte varint, or the largest 64-bit values, written over a varint or a tag. */
function hugeVarint(r: Rng, body: Buffer): { name: string; body: Buffer } {
  const poison: [string, number[]][] = [
    ['2^64-1', varint(-1n)],
    ['2^63', varint(2n ** 63n)],
    ['11-byte varint', [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
    ['unterminated varint', new Array(12).fill(0x80)],
    ['field 2^29-1 tag', varint((2n ** 29n - 1n) << 3n)],
  ];
  const [what, bytes] = r.pick(poison);
  const at = r.int(Math.max(1, body.length));
  return { name: `varint ${what} at ${at}`, body: splice(body, at, 1, bytes) };
}

// ---- JSON text mutations ----

const JSON_NUMBERS = ['1e400', '-1e400', '-9223372036854775809', '9223372036854775808', '18446744073709551616', '"NaN"', '"Infinity"', '"-Infinity"', '-0', '0.5', '"0x10"', '1' + '0'.repeat(400), '"-1"', '-1'];

/** A number (or numeric string) in the text replaced by an edge case: out of range, fractional, NaN... */
export function corruptJsonNumber(r: Rng, body: Buffer): { name: string; body: Buffer } {
  const text = body.toString('utf8');
  const numbers = [...text.matchAll(/"?-?\d[\d.eE+-]*"?/g)];
  if (numbers.length === 0) return { name: 'number: none found', body };
  const m = r.pick(numbers);
  const value = r.pick(JSON_NUMBERS);
  return { name: `number ${m[0].slice(0, 24)} → ${value.slice(0, 24)}`, body: Buffer.from(text.slice(0, m.index) + value + text.slice(m.index! + m[0].length)) };
}

/** A value in the text replaced by one of another type. */
export function jsonWrongType(r: Rng, body: Buffer): { name: string; body: Buffer } {
  const text = body.toString('utf8');
  const colons = [...text.matchAll(/":/g)];
  if (colons.length === 0) return { name: 'type: no field found', body };
  const at = r.pick(colons).index! + 2;
  const replacement = r.pick(['{}', '[]', 'null', 'true', '"x"', '[[[]]]', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{}}}']);
  // replace the value's first token: enough to change its type; the rest may dangle as garbage
  const rest = text.slice(at).replace(/^("(?:[^"\\]|\\.)*"|[^,}\]]*)/, '');
  return { name: `type ${replacement}`, body: Buffer.from(text.slice(0, at) + replacement + rest) };
}

// ---- model-level attacks ----

const megabytes = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

/** One string of up to the room left, in a name, an attribute, a body or a resource attribute shared by many items. */
function giantString(m: MutationInput): { name: string; body: Buffer } {
  const { r, signal } = m;
  const size = Math.floor((m.room - 4096) * (r.int(4) === 0 ? 1 : r.next()));
  const where = r.pick(['name', 'attribute', 'resource attribute', 'resource attribute, 512 items']);
  const big = 'x'.repeat(Math.max(0, where.endsWith('items') ? Math.min(size, m.room - 512 * 64) : size));
  const items = where.endsWith('items') ? 512 : 1;
  const resource = where.startsWith('resource') ? { 'service.name': 'fuzz', big } : { 'service.name': 'fuzz' };
  const attributes: Record<string, string> = where === 'attribute' ? { big } : {};
  const name = where === 'name' ? big : 'op';
  const ids = (i: number) => ({ traceId: (i + 1).toString(16).padStart(32, '0'), spanId: (i + 1).toString(16).padStart(16, '0') });
  const data =
    signal === 'traces'
      ? tracesOf(Array.from({ length: items }, (_, i) => newSpan({ ...ids(i), name, startTimeUnixNano: 1n, endTimeUnixNano: 2n, attributes: attrsOf(attributes) })), resource)
      : signal === 'logs'
        ? logsOf(Array.from({ length: items }, () => newLogRecord({ body: where === 'name' ? big : 'b', attributes: attrsOf(attributes) })), resource)
        : metricsOf(Array.from({ length: items }, (_, i) => gaugeOf(where === 'name' ? big : `m${i}`, [1], attributes)), resource);
  return { name: `giant-string ${megabytes(big.length)} ${where}`, body: encode(signal, data, m.encoding) };
}

const attrsOf = (o: Record<string, string>) => new Map(Object.entries(o));

/** A resource attribute whose value is nested in arrays or kvlists: at the limit, just past it, or far past it. */
function deepNesting(m: MutationInput): { name: string; body: Buffer } {
  const { r } = m;
  const kind = r.pick(['array', 'kvlist'] as const);
  const depth = r.pick([MAX_VALUE_DEPTH, MAX_VALUE_DEPTH + 1, 1000, 100_000, 1_000_000]);
  const resources = JSON_KEYS[m.signal][0];
  if (m.encoding === 'json') {
    if (r.int(3) === 0) {
      // no OTLP structure at all: plain JSON arrays, what JSON.parse walks before any check
      const levels = Math.min(depth * 4, Math.floor(m.room / 2));
      return { name: `deep-nesting ${levels} bare JSON arrays`, body: Buffer.from(`{"${resources}":${'['.repeat(levels)}${']'.repeat(levels)}}`) };
    }
    const levels = Math.min(depth, Math.floor(m.room / 64));
    const [open, close] = kind === 'array' ? ['{"arrayValue":{"values":[', ']}}'] : ['{"kvlistValue":{"values":[{"key":"k","value":', '}]}}'];
    const value = `${open.repeat(levels)}{"stringValue":"leaf"}${close.repeat(levels)}`;
    return { name: `deep-nesting ${levels} ${kind} (json)`, body: Buffer.from(`{"${resources}":[{"resource":{"attributes":[{"key":"k","value":${value}}]}}]}`) };
  }
  const levels = Math.min(depth, Math.floor(m.room / 12));
  // request{1: ResourceX{1: Resource{1: KeyValue{1: key, 2: AnyValue}}}}: the same for every signal
  const attribute = Buffer.concat([field(1, Buffer.from('k')), field(2, nestedValue(levels, kind))]);
  return { name: `deep-nesting ${levels} ${kind}`, body: field(1, field(1, field(1, attribute))) };
}

function field(n: number, body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([...varint(BigInt((n << 3) | 2)), ...varint(BigInt(body.length))]), body]);
}

/** AnyValue{5: ArrayValue{1: AnyValue}} or AnyValue{6: KeyValueList{1: KeyValue{2: AnyValue}}}, `levels` deep, built inside out in one buffer. */
function nestedValue(levels: number, kind: 'array' | 'kvlist'): Uint8Array {
  const vlen = (n: number) => varint(BigInt(n)).length;
  // bytes of the wrapping around a level whose inner AnyValue takes `inner` bytes, as [tag, length] pairs from outside in
  const frames = (inner: number): number[] => {
    if (kind === 'array') return [0x2a, 1 + vlen(inner) + inner, 0x0a, inner];
    const kv = 1 + vlen(inner) + inner;
    return [0x32, 1 + vlen(kv) + kv, 0x0a, kv, 0x12, inner];
  };
  const sizes = [0];
  for (let i = 0; i < levels; i++) {
    const f = frames(sizes[i]);
    let size = sizes[i];
    for (let j = f.length - 1; j > 0; j -= 2) size += 1 + vlen(f[j]);
    sizes.push(size);
  }
  const out = new Uint8Array(sizes[levels]);
  let p = 0;
  for (let i = levels; i > 0; i--) {
    const f = frames(sizes[i - 1]);
    for (let j = 0; j < f.length; j += 2) {
      out[p++] = f[j];
      for (const b of varint(BigInt(f[j + 1]))) out[p++] = b;
    }
  }
  return out;
}

export const BAD_UTF8: [string, number[]][] = [
  ['0xff', [0xff]],
  ['lone continuation', [0x80]],
  ['overlong NUL', [0xc0, 0x80]],
  ['UTF-16 surrogate', [0xed, 0xa0, 0x80]],
  ['truncated 4-byte', [0xf0, 0x9f, 0x98]],
  ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
];

/** Names, attribute keys and values holding bytes that are not UTF-8 (same lengths, so the framing stays valid). */
function invalidUtf8(m: MutationInput): { name: string; body: Buffer } {
  const [what, bytes] = m.r.pick(BAD_UTF8);
  const marker = '\u0001'.repeat(bytes.length);
  const ids = { traceId: '1'.repeat(32), spanId: '2'.repeat(16) };
  const attributes = new Map([[`k${marker}`, `v${marker}`]]);
  const data =
    m.signal === 'traces'
      ? tracesOf([newSpan({ ...ids, name: `n${marker}`, attributes })], { [`r${marker}`]: `s${marker}` })
      : m.signal === 'logs'
        ? logsOf([newLogRecord({ body: `b${marker}`, attributes })], { [`r${marker}`]: `s${marker}` })
        : metricsOf([gaugeOf(`m${marker}`, [1], { [`k${marker}`]: `v${marker}` })], { [`r${marker}`]: `s${marker}` });
  let body = encode(m.signal, data, m.encoding);
  // JSON writes \u0001 escaped; the raw bytes go in its place, and `\ud800` stands for a lone surrogate
  const needle = m.encoding === 'json' ? Buffer.from('\\u0001'.repeat(bytes.length)) : Buffer.from(marker);
  const replacement = m.encoding === 'json' && m.r.int(3) === 0 ? Buffer.from('\\ud800') : Buffer.from(bytes);
  for (let at = body.indexOf(needle); at >= 0; at = body.indexOf(needle, at + replacement.length)) {
    body = Buffer.concat([body.subarray(0, at), replacement, body.subarray(at + needle.length)]);
  }
  return { name: `invalid-utf8 ${m.encoding === 'json' && replacement[0] === 0x5c ? 'lone surrogate escape' : what}`, body };
}

/**
 * Up to maxItems resources, scopes or items, empty or minimal: a tiny body that decodes into a
 * large model (log-uniform count: mostly small, now and then huge).
 */
function manyItems(m: MutationInput): { name: string; body: Buffer } {
  const { r, signal } = m;
  const level = r.pick(['resources', 'scopes', 'items', 'minimal items'] as const);
  const minimal = level === 'minimal items';
  const perItem = m.encoding === 'json' ? (minimal ? JSON_MINIMAL[signal].length : 2) + 1 : 2 + (minimal ? PROTO_MINIMAL[signal].length : 0);
  const cap = Math.min(m.maxItems, Math.floor(m.room / perItem));
  const n = Math.max(1, Math.floor(10 ** (r.next() * Math.log10(cap))));
  const name = `many-items ${n} ${level === 'items' ? `empty ${ITEM[signal]}` : level === 'minimal items' ? `minimal ${ITEM[signal]}` : `empty ${level}`}`;
  if (m.encoding === 'json') {
    const [rs, ss, items] = JSON_KEYS[signal];
    const item = minimal ? JSON_MINIMAL[signal] : '{}';
    const list = (x: string) => `${x},`.repeat(n - 1) + x;
    const text =
      level === 'resources'
        ? `{"${rs}":[${list('{}')}]}`
        : level === 'scopes'
          ? `{"${rs}":[{"${ss}":[${list('{}')}]}]}`
          : `{"${rs}":[{"${ss}":[{"${items}":[${list(item)}]}]}]}`;
    return { name: `${name} (json)`, body: Buffer.from(text) };
  }
  // field 1 of the request, field 2 of a resource, field 2 of a scope: n times over
  const repeat = (fieldNumber: number, one: Buffer) => {
    const entry = field(fieldNumber, one);
    const out = Buffer.allocUnsafe(entry.length * n);
    for (let i = 0; i < n; i++) entry.copy(out, i * entry.length);
    return out;
  };
  const none = Buffer.alloc(0);
  if (level === 'resources') return { name, body: repeat(1, none) };
  if (level === 'scopes') return { name, body: field(1, repeat(2, none)) };
  return { name, body: field(1, field(2, repeat(2, minimal ? PROTO_MINIMAL[signal] : none))) };
}

const ITEM: Record<Signal, string> = { traces: 'spans', metrics: 'metrics', logs: 'log records' };
const JSON_KEYS: Record<Signal, [string, string, string]> = {
  traces: ['resourceSpans', 'scopeSpans', 'spans'],
  metrics: ['resourceMetrics', 'scopeMetrics', 'metrics'],
  logs: ['resourceLogs', 'scopeLogs', 'logRecords'],
};
const JSON_MINIMAL: Record<Signal, string> = {
  traces: '{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708"}',
  metrics: '{"name":"m","gauge":{"dataPoints":[{"asDouble":1}]}}',
  logs: '{"body":{"stringValue":"x"}}',
};
/** The smallest valid item: a span with ids, a gauge with one point, a log record with a body. */
const PROTO_MINIMAL: Record<Signal, Buffer> = {
  traces: Buffer.concat([field(1, Buffer.alloc(16, 1)), field(2, Buffer.alloc(8, 2))]),
  metrics: Buffer.concat([field(1, Buffer.from('m')), field(5, field(1, Buffer.from([0x21, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f])))]),
  logs: field(5, field(1, Buffer.from('x'))),
};

/** Seeded streams of requests, one per sender. */
export interface RequestStreams {
  /** The next request of stream `stream` (each stream is seeded from the seed and its number). */
  next(stream: number): Promise<FuzzRequest>;
  close(): Promise<unknown>;
}

/** Requests made on this thread: for small limits (tests), where none takes long to build. */
export function inlineRequests(seed: number, limits: FuzzLimits): RequestStreams {
  const streams = new Map<number, Rng>();
  // the Sentry SDK is loaded, and its envelopes captured, only for that target
  let sentry: Promise<(r: Rng) => FuzzRequest> | undefined;
  const make = (r: Rng) => {
    if (limits.target !== 'sentry') return fuzzRequest(r, limits);
    sentry ??= import('./fuzz-sentry.js').then(async (m) => {
      const envelopes = await m.captureSdkEnvelopes();
      return (rr: Rng) => m.sentryRequest(rr, envelopes, limits);
    });
    return sentry.then((f) => f(r));
  };
  return {
    async next(stream) {
      let r = streams.get(stream);
      if (!r) streams.set(stream, (r = rng(seed * 1000 + stream)));
      return make(r);
    },
    close: async () => undefined,
  };
}

/**
 * Requests made on a worker thread: a giant request takes a second or more to build, which on
 * the sending thread would hold up (and inflate the timing of) every request in flight. Runs
 * this module's compiled JavaScript, so it works from dist/ only.
 */
export class WorkerRequests implements RequestStreams {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, ((req: FuzzRequest) => void)[]>();

  constructor(seed: number, limits: FuzzLimits) {
    this.worker = new Worker(new URL(import.meta.url), { workerData: { fuzzRequestSource: { seed, limits } } });
    this.worker.on('message', ({ stream, req }: { stream: number; req: FuzzRequest & { body: ArrayBuffer } }) => {
      this.waiting.get(stream)!.shift()!({ ...req, body: Buffer.from(req.body) });
    });
  }

  next(stream: number): Promise<FuzzRequest> {
    return new Promise((resolve) => {
      const queue = this.waiting.get(stream) ?? [];
      queue.push(resolve);
      this.waiting.set(stream, queue);
      this.worker.postMessage(stream);
    });
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}

if (!isMainThread && workerData?.fuzzRequestSource) {
  const { seed, limits } = workerData.fuzzRequestSource as { seed: number; limits: FuzzLimits };
  const requests = inlineRequests(seed, limits);
  // requests are made, and go back, in the order they were asked for
  parentPort!.on('message', (stream: number) =>
    void requests.next(stream).then((req) => {
      const body = new Uint8Array(req.body).buffer as ArrayBuffer; // a copy of its own, to transfer
      parentPort!.postMessage({ stream, req: { ...req, body } }, [body]);
    }),
  );
}
