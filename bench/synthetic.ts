/** Telemetry shaped like a real HTTP service's, for every benchmark and the load generator. */
import { attrs, newSpan, tracesOf } from '../pipeline/builders.js';
import { SpanKind, type Traces } from '../pipeline/model.js';
import { decodeSignal, encodeSignal } from '../pipeline/otlpproto/index.js';

export type Profile = 'small' | 'realistic' | 'large';

const SPAN_ATTRIBUTES: Record<Profile, number> = { small: 2, realistic: 8, large: 32 };

/** Spans like an HTTP service's: ~10 resource attributes, N attributes per span, events on a quarter. */
export function syntheticTraces(spans: number, profile: Profile = 'realistic', seed = 0): Traces {
  const perSpan = SPAN_ATTRIBUTES[profile];
  const base: Record<string, unknown> = {
    'http.request.method': 'GET', 'http.route': '/api/v1/items/:id', 'http.response.status_code': 200,
    'url.scheme': 'https', 'server.address': 'api.example.com', 'server.port': 443,
    'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64)', 'network.protocol.version': '1.1',
  };
  const list = Array.from({ length: spans }, (_, i) => {
    const a: Record<string, unknown> = {};
    for (let k = 0; k < perSpan; k++) {
      const key = Object.keys(base)[k % 8];
      a[k < 8 ? key : `${key}.${k}`] = base[key];
    }
    return newSpan({
      traceId: (BigInt(seed) * 1_000_000n + BigInt(i >> 3) + 0x1000n).toString(16).padStart(32, '0'),
      spanId: (BigInt(seed) * 1_000_000n + BigInt(i) + 0x100n).toString(16).padStart(16, '0'),
      parentSpanId: i % 8 === 0 ? '' : (BigInt(seed) * 1_000_000n + BigInt(i - (i % 8)) + 0x100n).toString(16).padStart(16, '0'),
      name: `GET /api/v1/items/${i % 20}`,
      kind: i % 8 === 0 ? SpanKind.Server : SpanKind.Client,
      startTimeUnixNano: 1_700_000_000_000_000_000n + BigInt(i) * 1000n,
      endTimeUnixNano: 1_700_000_000_000_500_000n + BigInt(i) * 1000n,
      attributes: attrs(a),
      events:
        i % 4 === 0
          ? [
              { timeUnixNano: 1_700_000_000_000_100_000n, name: 'cache.miss', attributes: attrs({ 'cache.key': `item:${i % 20}`, 'cache.tier': 'l2' }), droppedAttributesCount: 0 },
              { timeUnixNano: 1_700_000_000_000_200_000n, name: 'exception', attributes: attrs({ 'exception.type': 'TimeoutError', 'exception.message': 'upstream timed out after 250ms' }), droppedAttributesCount: 0 },
            ]
          : [],
    });
  });
  return tracesOf(list, {
    'service.name': 'checkout', 'service.namespace': 'shop', 'service.version': '1.4.2', 'service.instance.id': 'i-1',
    'deployment.environment.name': 'prod', 'host.name': 'web-7', 'host.arch': 'amd64', 'os.type': 'linux',
    'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.language': 'nodejs',
  });
}

/** The seed of UniqueTraceRequests' template: large, so its span ids are distinctive byte patterns. */
const SERIES_BASE = 7_000_000n;
const spanIdValue = (seed: bigint, i: number) => seed * 1_000_000n + BigInt(i) + 0x100n;

/**
 * A series of encoded requests of syntheticTraces spans in which no two requests share a span id,
 * so a receiving end can tell exactly which acknowledged spans arrived. The request is encoded
 * once; each copy gets its span ids (and the parent span ids pointing at them) rewritten in place:
 * a copy instead of an encode per request, which a load generator can afford. Request n carries
 * the ids syntheticTraces(spans, profile, SERIES_BASE + n) would.
 */
export class UniqueTraceRequests {
  private readonly template: Buffer;
  /** Offsets of every span id in the template, own or as a parent. */
  private readonly offsets: number[] = [];
  private n = 0;

  constructor(
    readonly spans: number,
    profile: Profile = 'realistic',
  ) {
    this.template = Buffer.from(encodeSignal('traces', syntheticTraces(spans, profile, Number(SERIES_BASE))));
    const id = Buffer.alloc(8);
    for (let i = 0; i < spans; i++) {
      id.writeBigUInt64BE(spanIdValue(SERIES_BASE, i));
      for (let at = this.template.indexOf(id); at !== -1; at = this.template.indexOf(id, at + 8)) this.offsets.push(at);
    }
    // The rewrite must give exactly the ids the generator would: check one request.
    const probe = decodeSignal('traces', this.request(1)).resourceSpans[0].scopeSpans[0].spans;
    const expected = syntheticTraces(spans, profile, Number(SERIES_BASE) + 1).resourceSpans[0].scopeSpans[0].spans;
    if (probe.some((s, i) => s.spanId !== expected[i].spanId || s.parentSpanId !== expected[i].parentSpanId)) {
      throw new Error('UniqueTraceRequests: rewriting span ids in the encoded template went wrong');
    }
  }

  /** The next request of the series and its number (1, 2, ...). */
  next(): { n: number; body: Buffer } {
    const n = ++this.n;
    return { n, body: this.request(n) };
  }

  /** Which request of a series, and which span in it, a span id (hex) belongs to; undefined for other ids. */
  static locate(spanId: string, spans: number): { n: number; i: number } | undefined {
    const v = BigInt(`0x${spanId}`);
    const n = Number(v / 1_000_000n - SERIES_BASE);
    const i = Number((v % 1_000_000n) - 0x100n);
    return n >= 1 && i >= 0 && i < spans ? { n, i } : undefined;
  }

  private request(n: number): Buffer {
    const body = Buffer.from(this.template);
    const delta = BigInt(n) * 1_000_000n;
    for (const at of this.offsets) body.writeBigUInt64BE(body.readBigUInt64BE(at) + delta, at);
    return body;
  }
}
