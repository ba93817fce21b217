/**
 * The two-tier deployment tail sampling needs: the OTel JS SDK sends each trace's spans through
 * two Summit gateways (otlp → loadbalancing, static resolver), which route by trace id to two
 * Summit samplers (otlp → tail_sampling → file).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSignal } from '../pipeline/otlpjson/index.js';
import type { Traces } from '../pipeline/model.js';
import { fnv1a64 } from '../processors/tail_sampling/policies.js';
import { SummitProcess, freePort, tempDir, writeFile } from './helpers.js';

const SALT = 'e2e';
const PERCENT = 25;

/** Span ids the gateway acknowledged, per trace. */
class AckedExporter implements SpanExporter {
  readonly acked = new Map<string, Set<string>>();
  constructor(private readonly inner: SpanExporter) {}
  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    this.inner.export(spans, (r) => {
      if (r.code === ExportResultCode.SUCCESS)
        for (const s of spans) {
          const { traceId, spanId } = s.spanContext();
          if (!this.acked.has(traceId)) this.acked.set(traceId, new Set());
          this.acked.get(traceId)!.add(spanId);
        }
      done(r);
    });
  }
  shutdown = () => this.inner.shutdown();
  forceFlush = () => this.inner.forceFlush?.() ?? Promise.resolve();
}

const samplerConfig = (port: number) => `
receivers:
  otlp: { protocols: { grpc: { endpoint: 127.0.0.1:${port} } } }
processors:
  tail_sampling:
    decision_wait: 500ms
    decision_cache: { sampled_cache_size: 10000, non_sampled_cache_size: 10000 }
    policies:
      - { name: errors, type: status_code, status_code: { status_codes: [ERROR] } }
      - { name: share, type: probabilistic, probabilistic: { hash_salt: ${SALT}, sampling_percentage: ${PERCENT} } }
exporters:
  file: { path: ./out.jsonl, flush_interval: 10ms }
service:
  pipelines: { traces: { receivers: [otlp], processors: [tail_sampling], exporters: [file] } }
  telemetry: { metrics: { level: none } }
`;

const gatewayConfig = (port: number, samplers: number[]) => `
receivers:
  otlp: { protocols: { grpc: { endpoint: 127.0.0.1:${port} } } }
exporters:
  loadbalancing:
    protocol: { otlp: { tls: { insecure: true } } }
    resolver: { static: { hostnames: [${samplers.map((p) => `127.0.0.1:${p}`).join(', ')}] } }
service:
  pipelines: { traces: { receivers: [otlp], exporters: [loadbalancing] } }
  telemetry: { metrics: { level: none } }
`;

/** trace id → span ids, as one sampler wrote them (a retried export may repeat some: at least once). */
function written(dir: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const file = join(dir, 'out.jsonl');
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean))
    for (const rs of (decodeSignal('traces', JSON.parse(line)) as Traces).resourceSpans)
      for (const ss of rs.scopeSpans) for (const s of ss.spans) out.set(s.traceId, (out.get(s.traceId) ?? new Set()).add(s.spanId));
  return out;
}

const inShare = (traceId: string) => {
  const [hi, lo] = fnv1a64(SALT, traceId);
  const limit = ((1n << 64n) - 1n) * BigInt(PERCENT * 10_000_000) / 1_000_000_000n;
  return (BigInt(hi) << 32n) + BigInt(lo) <= limit;
};

let samplerDirs: string[] = [];
let samplerPorts: number[] = [];
let gatewayPorts: number[] = [];
let gatewayDirs: string[] = [];
const processes: SummitProcess[] = [];

beforeAll(async () => {
  samplerPorts = [await freePort(), await freePort()];
  gatewayPorts = [await freePort(), await freePort()];
  samplerDirs = samplerPorts.map(() => tempDir('summit-sampler-'));
  gatewayDirs = gatewayPorts.map(() => tempDir('summit-gateway-'));
  const samplers = samplerPorts.map((p, i) => new SummitProcess(['--config', writeFile(samplerDirs[i], 'c.yaml', samplerConfig(p))], { cwd: samplerDirs[i] }));
  const gateways = gatewayPorts.map((p, i) => new SummitProcess(['--config', writeFile(gatewayDirs[i], 'c.yaml', gatewayConfig(p, samplerPorts))], { cwd: gatewayDirs[i] }));
  processes.push(...samplers, ...gateways);
  // four processes start at once on a shared machine: give them time
  await Promise.all(processes.map((p) => p.waitForLog(/Everything is ready/, 60_000)));
}, 90_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
});

/** Two SDK providers, one per gateway; each trace starts on one and continues on the other. */
function sdk() {
  const exporters = gatewayPorts.map((p) => new AckedExporter(new OTLPTraceExporter({ url: `http://127.0.0.1:${p}` })));
  const providers = exporters.map(
    (e, i) => new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': `svc-${i}` }), spanProcessors: [new BatchSpanProcessor(e, { scheduledDelayMillis: 20, maxExportBatchSize: 64 })] }),
  );
  const tracers = providers.map((p) => p.getTracer('e2e'));
  /** A trace of four spans, two through each gateway; `error` marks which spans fail. */
  const send = (error: (spanIndex: number) => boolean) => {
    const root = tracers[0].startSpan('root', {}, ROOT_CONTEXT);
    const ctx = trace.setSpan(ROOT_CONTEXT, root);
    const spans = [root, tracers[0].startSpan('a', {}, ctx), tracers[1].startSpan('b', {}, ctx), tracers[1].startSpan('c', {}, ctx)];
    spans.forEach((s, i) => {
      if (error(i)) s.setStatus({ code: SpanStatusCode.ERROR, message: 'failed' });
    });
    for (const s of spans.reverse()) s.end();
    return root.spanContext().traceId;
  };
  const acked = () => {
    const all = new Map<string, Set<string>>();
    for (const e of exporters) for (const [t, ids] of e.acked) all.set(t, new Set([...(all.get(t) ?? []), ...ids]));
    return all;
  };
  return { send, acked, flush: () => Promise.all(providers.map((p) => p.forceFlush())), shutdown: () => Promise.all(providers.map((p) => p.shutdown())) };
}

describe('tail sampling behind loadbalancing', () => {
  it('keeps each sampled trace whole at exactly one sampler, every error trace, and the probabilistic share', async () => {
    const client = sdk();
    const errors = new Set<string>();
    const all: string[] = [];
    for (let i = 0; i < 400; i++) {
      const isError = i % 10 === 0;
      // the error is on a span sent through the second gateway
      const id = client.send((s) => isError && s === 3);
      all.push(id);
      if (isError) errors.add(id);
    }
    await client.flush();
    const acked = client.acked();
    expect([...acked.values()].every((ids) => ids.size === 4)).toBe(true);
    const expected = all.filter((t) => errors.has(t) || inShare(t));
    await expect
      .poll(() => expected.every((t) => samplerDirs.some((d) => written(d).get(t)?.size === 4)), { timeout: 15_000, interval: 200 })
      .toBe(true);
    const outputs = samplerDirs.map(written);
    expect(outputs.every((o) => o.size > 0)).toBe(true);
    for (const t of all) {
      const at = outputs.filter((o) => o.has(t));
      if (expected.includes(t)) {
        expect(at).toHaveLength(1);
        expect(at[0].get(t)).toEqual(acked.get(t));
      } else expect(at).toHaveLength(0);
    }
    // 360 traces without an error, 25% each: mean 90, standard deviation ≈ 8.2
    const kept = all.filter((t) => !errors.has(t) && inShare(t)).length;
    expect(kept).toBeGreaterThan(90 - 41);
    expect(kept).toBeLessThan(90 + 41);
    await client.shutdown();
  }, 60_000);

  it('loses no acknowledged span when a sampler leaves the resolver list mid-run', async () => {
    const client = sdk();
    const sent: string[] = [];
    const sendSome = (n: number) => {
      // errors on every span: wherever a span lands, its sampler keeps it
      for (let i = 0; i < n; i++) sent.push(client.send(() => true));
    };
    sendSome(100);
    // both gateways drop the second sampler while traffic flows
    for (const [i, dir] of gatewayDirs.entries()) writeFile(dir, 'c.yaml', gatewayConfig(gatewayPorts[i], [samplerPorts[0]]));
    for (const g of processes.slice(2)) g.child.kill('SIGHUP');
    sendSome(100);
    await Promise.all(processes.slice(2).map((g) => g.waitForLog(/reload/i, 30_000)));
    sendSome(100);
    await client.flush();
    const acked = client.acked();
    expect(acked.size).toBeGreaterThan(0);
    const arrived = () => {
      const got = new Set<string>();
      for (const d of samplerDirs) for (const ids of written(d).values()) for (const id of ids) got.add(id);
      return got;
    };
    await expect.poll(() => [...acked.values()].every((ids) => [...ids].every((id) => arrived().has(id))), { timeout: 15_000, interval: 200 }).toBe(true);
    await client.shutdown();
  }, 60_000);
});
