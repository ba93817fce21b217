/** Telemetry shaped like a real HTTP service's, for every benchmark and the load generator. */
import { attrs, newSpan, tracesOf } from '../pipeline/builders.js';
import { SpanKind, type Traces } from '../pipeline/model.js';

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
