import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { newSpan, tracesOf } from '../../pipeline/builders.js';
import type { Traces } from '../../pipeline/model.js';
import { decodeSignal, encodeExportResponse } from '../../pipeline/otlpproto/index.js';
import { testContext, testHost } from '../../pipeline/testing.js';
import { createLoadBalancer, type LoadBalancingConfig } from './index.js';
import { HashRing } from './ring.js';

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.forceShutdown();
});

/** A real OTLP/gRPC trace service on loopback, recording the span ids it got per trace. */
async function backend(alsoOn: string[] = []): Promise<{ endpoint: string; traces: Map<string, string[]> }> {
  const traces = new Map<string, string[]>();
  const server = new Server();
  const identity = (b: Buffer) => b;
  server.addService(
    {
      Export: {
        path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: (r: Uint8Array) => Buffer.from(r),
        responseDeserialize: identity,
      },
    },
    {
      Export: (call: ServerUnaryCall<Buffer, Uint8Array>, cb: sendUnaryData<Uint8Array>) => {
        for (const rs of (decodeSignal('traces', call.request) as Traces).resourceSpans)
          for (const ss of rs.scopeSpans) for (const s of ss.spans) traces.set(s.traceId, [...(traces.get(s.traceId) ?? []), s.spanId]);
        cb(null, encodeExportResponse('traces'));
      },
    },
  );
  servers.push(server);
  const bind = (address: string) => new Promise<number>((resolve, reject) => server.bindAsync(address, ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  const port = await bind('127.0.0.1:0');
  for (const host of alsoOn) await bind(`${host}:${port}`);
  return { endpoint: `127.0.0.1:${port}`, traces };
}

const tid = (n: number) => n.toString(16).padStart(32, '0');
const key = (n: number) => Buffer.from(tid(n), 'hex');

describe('HashRing', () => {
  it('moves about 1/N of the keys when a backend joins, and only to the new backend', () => {
    const four = ['a:4317', 'b:4317', 'c:4317', 'd:4317'];
    const before = new HashRing(four);
    const after = new HashRing([...four, 'e:4317']);
    let moved = 0;
    const share = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const was = before.endpointFor(key(i * 2654435761));
      const is = after.endpointFor(key(i * 2654435761))!;
      share.set(is, (share.get(is) ?? 0) + 1);
      if (was !== is) {
        moved++;
        expect(is).toBe('e:4317');
      }
    }
    // 1/5 would be 4,000; 100 points per backend leave some imbalance, as upstream
    expect(moved).toBeGreaterThan(2000);
    expect(moved).toBeLessThan(6500);
    for (const n of share.values()) expect(n).toBeGreaterThan(2000);
  });

  it('does not depend on the order backends are listed in', () => {
    const a = new HashRing(['x:1', 'y:1', 'z:1']);
    const b = new HashRing(['z:1', 'x:1', 'y:1']);
    for (let i = 0; i < 1000; i++) expect(a.endpointFor(key(i))).toBe(b.endpointFor(key(i)));
  });
});

const config = (resolver: LoadBalancingConfig['resolver']): LoadBalancingConfig => ({
  routing_key: 'traceID',
  protocol: { otlp: { tls: { insecure: true }, headers: {}, compression: 'gzip', timeout: '2s', retry_on_failure: { enabled: true }, sending_queue: { enabled: true } } },
  resolver,
});

describe('loadbalancing exporter', () => {
  it('sends every span of a trace to one backend, whatever batch it came in', async () => {
    const [b1, b2] = [await backend(), await backend()];
    const lb = createLoadBalancer(testContext({ id: 'loadbalancing', kind: 'exporter', signals: ['traces'] }), config({ static: { hostnames: [b1.endpoint, b2.endpoint] } }));
    await lb.start!(testHost());
    for (let batch = 0; batch < 4; batch++)
      await lb.consumers!.traces!.consume(tracesOf(Array.from({ length: 50 }, (_, i) => newSpan({ traceId: tid(i), spanId: (batch * 100 + i + 1).toString(16).padStart(16, '0') }))));
    await lb.shutdown!();
    expect(b1.traces.size).toBeGreaterThan(0);
    expect(b2.traces.size).toBeGreaterThan(0);
    for (let i = 0; i < 50; i++) {
      const at = [b1, b2].filter((b) => b.traces.has(tid(i)));
      expect(at).toHaveLength(1);
      expect(at[0].traces.get(tid(i))).toHaveLength(4);
    }
  });

  it('follows the DNS answers: a backend added or removed while running loses nothing', async () => {
    // One server listening on two loopback addresses: the lookup's answers are the backends.
    const server = await backend(['127.0.0.2']);
    let answer = ['127.0.0.1'];
    const lb = createLoadBalancer(
      testContext({ id: 'loadbalancing', kind: 'exporter', signals: ['traces'] }),
      config({ dns: { hostname: 'samplers.test', port: server.endpoint.split(':')[1], interval: '20ms', timeout: '1s' } }),
      async () => answer,
    );
    await lb.start!(testHost());
    expect(lb.endpoints()).toEqual([server.endpoint]);
    let span = 0;
    const send = async () => {
      for (let i = 0; i < 20; i++) await lb.consumers!.traces!.consume(tracesOf([newSpan({ traceId: tid(span), spanId: (++span).toString(16).padStart(16, '0') })]));
    };
    await send();
    answer = ['127.0.0.1', '127.0.0.2'];
    await expect.poll(() => lb.endpoints().length, { timeout: 5000 }).toBe(2);
    await send();
    answer = ['127.0.0.2'];
    await expect.poll(() => lb.endpoints().length, { timeout: 5000 }).toBe(1);
    await send();
    await lb.shutdown!();
    // every span sent arrived, exactly once, though its backend was removed after taking it
    const got = [...server.traces.values()].flat();
    expect(got).toHaveLength(60);
    expect(new Set(got).size).toBe(60);
  });

  it('routes again what a removed backend that is down still held, to the backends left', async () => {
    // 127.0.0.3 has nothing listening: its backend queues the spans it is given and retries them.
    const server = await backend();
    const port = server.endpoint.split(':')[1];
    let answer = ['127.0.0.1', '127.0.0.3'];
    const lb = createLoadBalancer(
      testContext({ id: 'loadbalancing', kind: 'exporter', signals: ['traces'] }),
      config({ dns: { hostname: 'samplers.test', port, interval: '20ms', timeout: '1s' } }),
      async () => answer,
    );
    await lb.start!(testHost());
    await expect.poll(() => lb.endpoints().length, { timeout: 5000 }).toBe(2);
    const spans = Array.from({ length: 40 }, (_, i) => newSpan({ traceId: tid(i), spanId: (i + 1).toString(16).padStart(16, '0') }));
    await lb.consumers!.traces!.consume(tracesOf(spans));
    await new Promise((r) => setTimeout(r, 300));
    const beforeRemoval = server.traces.size;
    expect(beforeRemoval).toBeGreaterThan(0);
    expect(beforeRemoval).toBeLessThan(40);
    answer = ['127.0.0.1'];
    await expect.poll(() => lb.endpoints(), { timeout: 5000 }).toEqual([server.endpoint]);
    // handed over at once, not after the 30 s a removed backend's attempts may take
    await expect.poll(() => server.traces.size, { timeout: 5000 }).toBe(40);
    await lb.shutdown!();
    for (let i = 0; i < 40; i++) expect(server.traces.get(tid(i))).toEqual([(i + 1).toString(16).padStart(16, '0')]);
  });
});
