/**
 * Hostile input: every mutation of a valid payload, and every hand-built attack, either
 * decodes or throws OtlpProtoError — never another error, a hang, a stack overflow or an
 * allocation of a claimed size — and each case finishes within a time bound.
 */
import { describe, expect, it } from 'vitest';
import type { Signal } from '../model.js';
import {
  MAX_VALUE_DEPTH,
  OtlpProtoError,
  decodeExportResponse,
  decodeLogs,
  decodeRetryInfo,
  decodeSignal,
  decodeStatus,
  decodeTraces,
  encodeSignal,
} from './index.js';
import { GENERATORS, rng } from './testing/random.js';

const SIGNALS: Signal[] = ['traces', 'metrics', 'logs'];
/** Per case; decoding these inputs takes microseconds, so this only catches hangs and blow-ups. */
const CASE_BUDGET_MS = 250;

type Outcome = 'decoded' | 'rejected';

function attempt(decode: (b: Uint8Array) => unknown, bytes: Uint8Array): Outcome {
  const start = performance.now();
  try {
    decode(bytes);
    return 'decoded';
  } catch (e) {
    if (!(e instanceof OtlpProtoError)) throw new Error(`threw ${String(e)} for ${Buffer.from(bytes.subarray(0, 64)).toString('hex')}`);
    return 'rejected';
  } finally {
    const ms = performance.now() - start;
    if (ms > CASE_BUDGET_MS) throw new Error(`took ${ms.toFixed(0)} ms for ${bytes.length} bytes`);
  }
}

const decoderOf = (signal: Signal) => (b: Uint8Array) => decodeSignal(signal, b);

/** A valid request of a few kilobytes with every kind of field in it. */
function sample(signal: Signal): Uint8Array {
  for (let seed = 1; ; seed++) {
    const bytes = encodeSignal(signal, GENERATORS[signal](rng(seed)));
    if (bytes.length > 1500 && bytes.length < 6000) return bytes;
  }
}

const varint = (n: bigint): number[] => {
  const out: number[] = [];
  while (n > 0x7fn) {
    out.push(Number(n & 0x7fn) | 0x80);
    n >>= 7n;
  }
  out.push(Number(n));
  return out;
};
const len = (body: number[]) => [...varint(BigInt(body.length)), ...body];

/** ExportLogsServiceRequest → ResourceLogs → ScopeLogs → LogRecord { body = 5 } */
function logWithBody(anyValue: Uint8Array): Uint8Array {
  const record = [0x2a, ...len([...anyValue])];
  const scopeLogs = [0x12, ...len(record)];
  const resourceLogs = [0x12, ...len(scopeLogs)];
  return Uint8Array.from([0x0a, ...len(resourceLogs)]);
}

/**
 * An AnyValue nested `levels` deep in arrays (or kvlists), written inside out into one buffer:
 * concatenating level by level would copy quadratically.
 */
function nestedValue(levels: number, kind: 'array' | 'kvlist'): Uint8Array {
  const sizes: number[] = [0];
  const wrap = kind === 'array' ? (inner: number) => 1 + vlen(inner) + inner : (inner: number) => 1 + vlen(1 + vlen(inner) + inner) + 1 + vlen(inner) + inner;
  // array:  AnyValue{ 5: ArrayValue{ 1: AnyValue } }      kvlist: AnyValue{ 6: KeyValueList{ 1: KeyValue{ 2: AnyValue } } }
  for (let i = 0; i < levels; i++) {
    const body = wrap(sizes[i]);
    sizes.push(1 + vlen(body) + body);
  }
  const out = new Uint8Array(sizes[levels]);
  let p = 0;
  const put = (n: number) => {
    for (const b of varint(BigInt(n))) out[p++] = b;
  };
  for (let i = levels; i > 0; i--) {
    const inner = sizes[i - 1];
    if (kind === 'array') {
      out[p++] = 0x2a;
      put(1 + vlen(inner) + inner);
      out[p++] = 0x0a;
      put(inner);
    } else {
      const kv = 1 + vlen(inner) + inner;
      out[p++] = 0x32;
      put(1 + vlen(kv) + kv);
      out[p++] = 0x0a;
      put(kv);
      out[p++] = 0x12;
      put(inner);
    }
  }
  return out;
}
const vlen = (n: number) => varint(BigInt(n)).length;

describe.each(SIGNALS)('%s: mutated valid payloads', (signal) => {
  const valid = sample(signal);
  const decode = decoderOf(signal);

  it('every truncation decodes or throws OtlpProtoError', () => {
    const outcomes = new Set<Outcome>();
    for (let n = 0; n < valid.length; n++) outcomes.add(attempt(decode, valid.subarray(0, n)));
    expect(outcomes.has('rejected')).toBe(true);
  });

  it('3000 random bit flips', () => {
    const r = rng(7);
    for (let i = 0; i < 3000; i++) {
      const bytes = valid.slice();
      for (let flips = 1 + r.int(3); flips > 0; flips--) bytes[r.int(bytes.length)] ^= 1 << r.int(8);
      attempt(decode, bytes);
    }
  });

  it('huge and overlong lengths spliced in at 500 positions', () => {
    const r = rng(11);
    const poison = [
      [0xff, 0xff, 0xff, 0xff, 0x07], // 2^31 - 1
      [0xff, 0xff, 0xff, 0xff, 0x0f], // 2^32 - 1
      [0x80, 0x80, 0x80, 0x80, 0x10], // 2^32: truncated to 32 bits it would read as 0
      [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], // 10-byte varint
      [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], // 11 bytes
    ];
    for (let i = 0; i < 500; i++) {
      const at = r.int(valid.length);
      const bytes = Uint8Array.from([...valid.subarray(0, at), ...r.pick(poison), ...valid.subarray(at + 1)]);
      attempt(decode, bytes);
    }
  });
});

describe('random bytes', () => {
  const decoders: [string, (b: Uint8Array) => unknown][] = [
    ...SIGNALS.map((s) => [s, decoderOf(s)] as [string, (b: Uint8Array) => unknown]),
    ['response', (b) => decodeExportResponse('traces', b)],
    ['status', decodeStatus],
    ['retry info', decodeRetryInfo],
  ];

  it.each(decoders)('%s: 3000 random buffers', (_, decode) => {
    const r = rng(3);
    for (let i = 0; i < 3000; i++) {
      const bytes = Uint8Array.from({ length: r.int(300) }, () => r.int(256));
      // Make well-formed-looking starts common, so the walk gets past the first tag.
      if (bytes.length > 2 && r.int(2) === 0) bytes[0] = 0x0a;
      attempt(decode, bytes);
    }
  });
});

describe('hand-built attacks', () => {
  const rejects = (bytes: Uint8Array | number[], message?: RegExp, decode: (b: Uint8Array) => unknown = decodeTraces) => {
    const input = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
    expect(attempt(decode, input)).toBe('rejected');
    if (message) expect(() => decode(input)).toThrow(message);
  };

  it('lengths past the end of the buffer or of the enclosing message', () => {
    rejects([0x0a, 0xff, 0xff, 0xff, 0xff, 0x07], /past the end/);
    rejects([0x0a, 0x05, 0x0a, 0x03], /past the end/);
    // ResourceSpans of 2 bytes holding a resource that claims 10
    rejects([0x0a, 0x02, 0x0a, 0x0a, ...new Array(10).fill(0)], /past the end/);
  });

  it('a length of 2^32 is too large, not 0', () => {
    rejects([0x0a, 0x80, 0x80, 0x80, 0x80, 0x10], /too large/);
  });

  it('varints longer than 10 bytes', () => {
    rejects([0x08, ...new Array(10).fill(0x80), 0x01], /longer than 10 bytes/);
    rejects([0x08, 0x80, 0x80], /truncated/);
  });

  it('fixed-width values straddling the end of their message', () => {
    // ScopeSpans → Span of 4 bytes whose start_time (fixed64) needs 8
    const span = [0x39, 1, 2, 3];
    rejects([0x0a, 8, 0x12, 6, 0x12, 4, ...span, 5, 6, 7, 8]);
  });

  it('groups, invalid wire types and field number 0', () => {
    rejects([0x0b, 0x0c], /group/);
    rejects([0x0e, 0x00], /wire type 6/);
    rejects([0x0f, 0x00], /wire type 7/);
    rejects([0x02, 0x00], /field number 0/);
  });

  it('ids of the wrong length', () => {
    const spanWithId = (n: number) => [0x0a, n, ...new Array(n).fill(0xab)];
    const req = (span: number[]) => [0x0a, span.length + 4, 0x12, span.length + 2, 0x12, span.length, ...span];
    rejects(req(spanWithId(15)), /trace id of 15 bytes/);
    rejects(req(spanWithId(17)), /trace id of 17 bytes/);
    expect(decodeTraces(Uint8Array.from(req(spanWithId(0)))).resourceSpans[0].scopeSpans[0].spans[0].traceId).toBe('');
    expect(decodeTraces(Uint8Array.from(req(spanWithId(16)))).resourceSpans[0].scopeSpans[0].spans[0].traceId).toBe('ab'.repeat(16));
  });

  it('a packed fixed64 run that is not a multiple of 8 bytes', () => {
    // MetricsRequest → ResourceMetrics → ScopeMetrics → Metric{histogram} → Histogram → point{bucket_counts: 7 bytes}
    const point = [0x32, 7, 1, 2, 3, 4, 5, 6, 7];
    const histogram = [0x0a, ...len(point)];
    const metric = [0x4a, ...len(histogram)];
    const scope = [0x12, ...len(metric)];
    const resource = [0x12, ...len(scope)];
    rejects([0x0a, ...len(resource)], /multiple of 8/, (b) => decodeSignal('metrics', b));
  });

  it.each(['array', 'kvlist'] as const)('10 000 levels of %s nesting are refused quickly, without recursing that deep', (kind) => {
    const bytes = logWithBody(nestedValue(10_000, kind));
    expect(bytes.length).toBeGreaterThan(40_000);
    rejects(bytes, /nested more than/, decodeLogs);
  });

  it.each(['array', 'kvlist'] as const)('%s nesting: exactly MAX_VALUE_DEPTH levels decode, one more does not', (kind) => {
    expect(attempt(decodeLogs, logWithBody(nestedValue(MAX_VALUE_DEPTH, kind)))).toBe('decoded');
    rejects(logWithBody(nestedValue(MAX_VALUE_DEPTH + 1, kind)), /nested more than/, decodeLogs);
  });

  it('a claimed 2 GiB bytes value in a 12-byte message is refused without allocating it', () => {
    const before = process.memoryUsage().arrayBuffers;
    rejects(logWithBody(Uint8Array.from([0x3a, 0xff, 0xff, 0xff, 0xff, 0x07])), /past the end/, decodeLogs);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('encoding refuses ids that are not hex of the right length, and over-deep values', () => {
    const traces = (traceId: string) => ({
      resourceSpans: [{ resource: { attributes: new Map(), droppedAttributesCount: 0 }, schemaUrl: '', scopeSpans: [{ scope: { name: '', version: '', attributes: new Map(), droppedAttributesCount: 0 }, schemaUrl: '', spans: [{ ...decodeTraces(Uint8Array.from([0x0a, 6, 0x12, 4, 0x12, 2, 0x28, 1])).resourceSpans[0].scopeSpans[0].spans[0], traceId }] }] }],
    });
    expect(() => encodeSignal('traces', traces('xyz'))).toThrow(OtlpProtoError);
    expect(() => encodeSignal('traces', traces('g'.repeat(32)))).toThrow(OtlpProtoError);
    expect(() => encodeSignal('traces', traces('é'.repeat(32)))).toThrow(OtlpProtoError);
    expect(decodeTraces(encodeSignal('traces', traces('AB'.repeat(16)))).resourceSpans[0].scopeSpans[0].spans[0].traceId).toBe('ab'.repeat(16));
    let deep: unknown = 1n;
    for (let i = 0; i <= MAX_VALUE_DEPTH; i++) deep = [deep];
    const logs = { resourceLogs: [{ resource: { attributes: new Map([['v', deep as bigint]]), droppedAttributesCount: 0 }, schemaUrl: '', scopeLogs: [] }] };
    expect(() => encodeSignal('logs', logs)).toThrow(OtlpProtoError);
  });
});
