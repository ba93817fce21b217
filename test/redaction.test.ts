import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attrs, logsOf, newLogRecord, newSpan, tracesOf } from '../pipeline/builders.js';
import { SENTRY_EVENT_NAME } from '../pipeline/exceptions/issues.js';
import { toAnyValue } from '../pipeline/model-ops.js';
import { encodeSignal } from '../pipeline/otlpproto/index.js';
import { SummitProcess, freePort, tempDir, writeFile } from './helpers.js';

const SECRETS = ['4111 1111 1111 1111', 'hunter2', 'sk_live_51Habc', 'jane@example.com', 'eyJhbGciOiJIUzI1NiJ9', 'sess_9f8e7d', 'tok_123', 's3cr3t-pw'];

/** OTLP a real SDK would send: span attributes, an exception event, a log line and a Sentry event, each with secrets. */
function requests() {
  const traces = tracesOf(
    [
      newSpan({
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        name: 'POST /api/checkout',
        attributes: attrs({
          'url.full': 'https://admin:s3cr3t-pw@api.example.com/v1/pay?access_token=tok_123&page=2',
          'http.request.header.authorization': 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig',
          'http.request.method': 'POST',
        }),
        events: [
          { timeUnixNano: 1n, name: 'exception', attributes: attrs({ 'exception.type': 'CardError', 'exception.message': 'card 4111 1111 1111 1111 of jane@example.com declined' }), droppedAttributesCount: 0 },
        ],
      }),
    ],
    { 'service.name': 'shop' },
  );
  const logs = logsOf(
    [
      newLogRecord({ body: 'login for jane@example.com with password=hunter2 failed', attributes: attrs({ 'user.password': 'hunter2' }) }),
      newLogRecord({
        eventName: SENTRY_EVENT_NAME,
        body: toAnyValue({
          event_id: 'c0ffee00c0ffee00c0ffee00c0ffee00',
          exception: { values: [{ type: 'CardError', value: 'declined', stacktrace: { frames: [{ function: 'charge', vars: { secret: 'sk_live_51Habc' } }] } }] },
          request: { headers: [['Cookie', 'theme=dark; sessionid=sess_9f8e7d']], data: { password: 'hunter2' } },
          extra: { card: '4111 1111 1111 1111' },
        }),
      }),
    ],
    { 'service.name': 'shop' },
  );
  return { traces, logs };
}

describe('summit with the redaction processor', () => {
  it('otlp → redaction → file: no secret sent over OTLP/HTTP reaches the file, the rest does', async () => {
    const dir = tempDir();
    const port = await freePort();
    const summit = new SummitProcess([
      '--config',
      writeFile(
        dir,
        'summit.yaml',
        `receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${port} } } }
processors:
  redaction:
    allow_all_keys: true
    detectors: ['@urlauth', '@email', '@creditcard', '@password:filter']
    data_scrubbing: {}
    summary: info
exporters:
  file: { path: ./out.jsonl, flush_interval: 10ms }
service:
  pipelines:
    traces: { receivers: [otlp], processors: [redaction], exporters: [file] }
    logs: { receivers: [otlp], processors: [redaction], exporters: [file] }
  telemetry: { metrics: { level: none } }
`,
      ),
    ]);
    try {
      await summit.waitForLog(/Everything is ready/);
      const { traces, logs } = requests();
      for (const [path, body] of [
        ['traces', encodeSignal('traces', traces)],
        ['logs', encodeSignal('logs', logs)],
      ] as const) {
        const res = await fetch(`http://127.0.0.1:${port}/v1/${path}`, { method: 'POST', body: Buffer.from(body), headers: { 'content-type': 'application/x-protobuf' } });
        expect(res.status).toBe(200);
      }
      const out = join(dir, 'out.jsonl');
      const lines = () => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean) : []);
      const deadline = Date.now() + 10_000;
      while (lines().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      const written = lines().join('\n');
      expect(lines()).toHaveLength(2);
      for (const s of SECRETS) expect(written, s).not.toContain(s);
      for (const kept of ['POST /api/checkout', 'api.example.com/v1/pay', 'page=2', 'CardError', 'theme=dark', 'c0ffee00c0ffee00c0ffee00c0ffee00', 'charge', 'redaction.masked.count']) {
        expect(written, kept).toContain(kept);
      }
    } finally {
      expect(await summit.stop()).toBe(0);
    }
  });
});
