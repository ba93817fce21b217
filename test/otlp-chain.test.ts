import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNALS, type Metrics, type Signal, type SignalData, type Traces } from '../pipeline/model.js';
import { decodeSignal as decodeJson, encodeSignal as encodeJson } from '../pipeline/otlpjson/index.js';
import { encodeSignal as encodeProto } from '../pipeline/otlpproto/index.js';
import { randomCases } from '../pipeline/otlpproto/testing/random.js';
import { SummitProcess, freePort, tempDir, writeFile } from './helpers.js';

/** Summit A forwards over every OTLP exporter flavour to Summit B, which writes what arrives. */
const ROUTES = ['grpc', 'http_proto', 'http_json'] as const;
type Route = (typeof ROUTES)[number];
const CASES = 12;

const KEY: Record<Signal, string> = { traces: 'resourceSpans', metrics: 'resourceMetrics', logs: 'resourceLogs' };

/** Random data minus what a receiver rightly rejects (spans without ids, unnamed metrics). */
function sendable<S extends Signal>(signal: S, data: SignalData[S]): SignalData[S] {
  if (signal === 'traces') {
    for (const rs of (data as Traces).resourceSpans)
      for (const ss of rs.scopeSpans)
        for (const [i, s] of ss.spans.entries()) {
          s.traceId ||= 'f'.repeat(31) + (i % 10);
          s.spanId ||= 'e'.repeat(15) + (i % 10);
        }
  }
  if (signal === 'metrics') {
    for (const rm of (data as Metrics).resourceMetrics) for (const sm of rm.scopeMetrics) for (const m of sm.metrics) m.name ||= 'unnamed';
  }
  return data;
}

/** The JSON text of a request, normalised through the file exporter's format (e.g. -0 becomes 0). */
const canonical = <S extends Signal>(signal: S, data: SignalData[S]) =>
  JSON.stringify(encodeJson(signal, decodeJson(signal, JSON.parse(JSON.stringify(encodeJson(signal, data))))));

function received(file: string): Record<Signal, string[]> {
  const out: Record<Signal, string[]> = { traces: [], metrics: [], logs: [] };
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const json = JSON.parse(line);
    const signal = SIGNALS.find((s) => KEY[s] in json)!;
    out[signal].push(canonical(signal, decodeJson(signal, json)));
  }
  return out;
}

let a: SummitProcess;
let b: SummitProcess;
let aHttp: string;
let dir: string;
const sent: Record<Signal, string[]> = { traces: [], metrics: [], logs: [] };

beforeAll(async () => {
  dir = tempDir();
  const port = { grpc: await freePort(), http_proto: await freePort(), http_json: await freePort(), a: await freePort() };
  const pipelines = ROUTES.flatMap((r) => SIGNALS.map((s) => `    ${s}/${r}: { receivers: [otlp/${r}], exporters: [file/${r}] }`)).join('\n');
  b = new SummitProcess([
    '--config',
    writeFile(
      dir,
      'b.yaml',
      `receivers:
  otlp/grpc: { protocols: { grpc: { endpoint: 127.0.0.1:${port.grpc} } } }
  otlp/http_proto: { protocols: { http: { endpoint: 127.0.0.1:${port.http_proto} } } }
  otlp/http_json: { protocols: { http: { endpoint: 127.0.0.1:${port.http_json} } } }
exporters:
${ROUTES.map((r) => `  file/${r}: { path: ./${r}.jsonl, flush_interval: 10ms }`).join('\n')}
service:
  pipelines:
${pipelines}
  telemetry: { metrics: { level: none } }
`,
    ),
  ]);
  await b.waitForLog(/Everything is ready/);
  a = new SummitProcess([
    '--config',
    writeFile(
      dir,
      'a.yaml',
      `receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${port.a} } } }
exporters:
  otlp_grpc/b: { endpoint: 127.0.0.1:${port.grpc}, tls: { insecure: true } }
  otlp_http/b: { endpoint: http://127.0.0.1:${port.http_proto} }
  otlphttp/json: { endpoint: http://127.0.0.1:${port.http_json}, encoding: json, compression: none }
service:
  pipelines:
${SIGNALS.map((s) => `    ${s}: { receivers: [otlp], exporters: [otlp_grpc/b, otlp_http/b, otlphttp/json] }`).join('\n')}
  telemetry: { metrics: { level: none } }
`,
    ),
  ]);
  await a.waitForLog(/Everything is ready/);
  aHttp = `http://127.0.0.1:${port.a}`;
}, 30_000);

afterAll(async () => {
  expect(await a?.stop()).toBe(0);
  expect(await b?.stop()).toBe(0);
});

describe('Summit A → otlp / otlphttp exporters → Summit B', () => {
  it('delivers every request of every signal unchanged over gRPC, HTTP/protobuf and HTTP/JSON', async () => {
    for (const signal of SIGNALS) {
      for (const { data } of randomCases(signal, CASES)) {
        const request = sendable(signal, data);
        const res = await fetch(`${aHttp}/v1/${signal}`, { method: 'POST', body: Buffer.from(encodeProto(signal, request)), headers: { 'content-type': 'application/x-protobuf' } });
        expect(res.status).toBe(200);
        sent[signal].push(canonical(signal, request));
      }
    }
    const deadline = Date.now() + 15_000;
    const done = (r: Route) => SIGNALS.every((s) => received(join(dir, `${r}.jsonl`))[s].length >= CASES);
    while (!ROUTES.every(done) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const route of ROUTES) {
      const got = received(join(dir, `${route}.jsonl`));
      for (const signal of SIGNALS) {
        // queue consumers send concurrently, so compare as sets of requests
        expect([...got[signal]].sort(), `${route} ${signal}`).toEqual([...sent[signal]].sort());
      }
    }
  });
});
