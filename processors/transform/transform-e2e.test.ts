import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attrs, newSpan, SpanKind, tracesOf, type Traces } from '../../pipeline/index.js';
import { decodeSignal, encodeSignal } from '../../pipeline/otlpjson/index.js';
import { freePort, SummitProcess, tempDir, writeFile } from '../../test/helpers.js';

/** A Summit process: OTLP/HTTP in, transform with time and math statements, the file exporter out. */
let summit: SummitProcess;
let endpoint: string;
let out: string;

beforeAll(async () => {
  const dir = tempDir();
  const port = await freePort();
  endpoint = `http://127.0.0.1:${port}`;
  out = join(dir, 'out.jsonl');
  const config = `receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${port} } } }
processors:
  transform:
    error_mode: ignore
    trace_statements:
      - set(span.attributes["duration_ms"], Milliseconds(span.end_time - span.start_time))
      - set(span.attributes["day"], FormatTime(span.start_time, "%Y-%m-%d"))
      - set(span.end_time, span.start_time + Duration("2s")) where span.end_time < span.start_time
      - set(span.attributes["retries.weighted"], span.attributes["retries"] * 2 + 1) where span.attributes["retries"] - 1 >= 0
      - set(span.attributes["parsed"], UnixMilli(Time(span.attributes["at"], "%d/%b/%Y:%H:%M:%S %z"))) where span.attributes["at"] != nil
      - set_semconv_span_name("1.43.0", "original_span_name")
exporters:
  file: { path: ${out}, flush_interval: 10ms }
service:
  pipelines:
    traces: { receivers: [otlp], processors: [transform], exporters: [file] }
  telemetry: { metrics: { level: none } }
`;
  summit = new SummitProcess(['--config', writeFile(dir, 'summit.yaml', config)]);
  await summit.waitForLog(/Everything is ready/);
});

afterAll(async () => {
  await summit?.stop();
});

async function roundTrip(traces: Traces): Promise<Traces> {
  const res = await fetch(`${endpoint}/v1/traces`, { method: 'POST', body: JSON.stringify(encodeSignal('traces', traces)), headers: { 'content-type': 'application/json' } });
  expect(res.status).toBe(200);
  const deadline = Date.now() + 10_000;
  while (!existsSync(out) || readFileSync(out, 'utf8').trim() === '') {
    if (Date.now() > deadline) throw new Error(`nothing written to ${out}; log:\n${summit.stderr}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return decodeSignal('traces', JSON.parse(readFileSync(out, 'utf8').trim().split('\n')[0]));
}

describe('transform end to end: time and math statements', () => {
  it('computes durations, formats and parses times, does arithmetic, renames by semantic conventions', async () => {
    const start = 1_700_000_000_123_456_789n; // 2023-11-14T22:13:20.123Z
    const spans = [
      newSpan({ traceId: 'a'.repeat(32), spanId: '1'.repeat(16), name: 'GET /users/42', kind: SpanKind.Server, startTimeUnixNano: start, endTimeUnixNano: start + 1_250_000_000n, attributes: attrs({ retries: 3n, 'http.request.method': 'GET', 'http.route': '/users/:id' }) }),
      newSpan({ traceId: 'a'.repeat(32), spanId: '2'.repeat(16), name: 'clock skew', startTimeUnixNano: start, endTimeUnixNano: start - 5n, attributes: attrs({ retries: 0n, at: '14/Nov/2023:23:13:20 +0100' }) }),
    ];
    const [server, skewed] = (await roundTrip(tracesOf(spans))).resourceSpans[0].scopeSpans[0].spans;

    expect(Object.fromEntries(server.attributes)).toEqual({
      retries: 3n,
      'http.request.method': 'GET',
      'http.route': '/users/:id',
      duration_ms: 1250n,
      day: '2023-11-14',
      'retries.weighted': 7n,
      original_span_name: 'GET /users/42',
    });
    expect(server.name).toBe('GET /users/:id');
    expect(server.endTimeUnixNano).toBe(start + 1_250_000_000n);

    // duration_ms was computed before the end time was repaired; the where clause on retries - 1 is false for 0.
    expect(skewed.endTimeUnixNano).toBe(start + 2_000_000_000n);
    expect(Object.fromEntries(skewed.attributes)).toEqual({ retries: 0n, at: '14/Nov/2023:23:13:20 +0100', duration_ms: 0n, day: '2023-11-14', parsed: 1_700_000_000_000n });
    expect(skewed.name).toBe('clock skew');
  });
});
