import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newSpan, tracesOf } from '../pipeline/builders.js';
import type { Traces } from '../pipeline/model.js';
import { decodeSignal, encodeSignal } from '../pipeline/otlpjson/index.js';
import { ROOT, SummitProcess, freePort, tempDir, writeFile } from './helpers.js';

const INTAKE = join(ROOT, 'test', 'fixtures', 'plugins', 'json-intake');
const EXAMPLE = join(ROOT, 'plugins', 'example');

function spansBody(prefix: string, n: number): string {
  const spans = Array.from({ length: n }, (_, i) =>
    newSpan({
      name: `${prefix}-${i}`,
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: (BigInt(prefix.charCodeAt(0)) * 1000n + BigInt(i)).toString(16).padStart(16, '0'),
      startTimeUnixNano: 1_700_000_000_123_456_789n + BigInt(i),
      endTimeUnixNano: 1_700_000_000_223_456_789n,
    }),
  );
  return JSON.stringify(encodeSignal('traces', tracesOf(spans, { 'service.name': 'checkout' })));
}

function exportedSpans(file: string) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => (decodeSignal('traces', JSON.parse(line)) as Traces).resourceSpans)
    .flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
}

async function startWith(config: string, dir: string): Promise<{ summit: SummitProcess; intake: string; metrics: number }> {
  const metrics = await freePort();
  const file = writeFile(dir, 'summit.yaml', config);
  const summit = new SummitProcess(['--config', file, '--set', `service::telemetry::metrics::address=127.0.0.1:${metrics}`]);
  await summit.waitForLog(/Everything is ready/);
  const intake = /json_intake listening on ([\d.]+:\d+)/.exec(summit.stderr)![1];
  return { summit, intake, metrics };
}

const post = (intake: string, body: string) =>
  fetch(`http://${intake}/v1/traces`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

describe('a running summit process', () => {
  it('drains what batch holds on SIGTERM: every acknowledged span reaches the exporter, exit 0', async () => {
    const dir = tempDir();
    const out = join(dir, 'out.jsonl');
    const { summit, intake } = await startWith(
      `plugins: [${INTAKE}]
receivers:
  json_intake:
processors:
  batch:
    timeout: 60s
    send_batch_size: 100000
    flush_when_idle: false
exporters:
  file:
    path: ./out.jsonl
service:
  pipelines:
    traces:
      receivers: [json_intake]
      processors: [batch]
      exporters: [file]
`,
      dir,
    );
    // batch holds these for a minute; the senders wait for delivery, not for the batch
    const pending = ['a', 'b', 'c', 'd'].map((p) => post(intake, spansBody(p, 25)));
    await new Promise((r) => setTimeout(r, 300));
    expect(exportedSpans(out)).toHaveLength(0);

    expect(await summit.stop('SIGTERM')).toBe(0);
    const answers = await Promise.all(pending);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const spans = exportedSpans(out);
    expect(new Set(spans.map((s) => s.spanId)).size).toBe(100);
    expect(spans.find((s) => s.name === 'c-7')?.startTimeUnixNano).toBe(1_700_000_000_123_456_796n);
  });

  it('loads a vendor plugin from the config and runs its processor, counting items in self-telemetry', async () => {
    const dir = tempDir();
    const out = join(dir, 'stamped.jsonl');
    const { summit, intake, metrics } = await startWith(
      `plugins:
  - ${INTAKE}
  - ${EXAMPLE}
receivers:
  json_intake:
processors:
  example_stamp:
    attributes: { deployment.region: eu-west-1, shard: 7 }
exporters:
  file:
    path: ${out}
    flush_interval: 10ms
service:
  pipelines:
    traces:
      receivers: [json_intake]
      processors: [example_stamp]
      exporters: [file]
`,
      dir,
    );
    const res = await post(intake, spansBody('s', 3));
    expect(res.status).toBe(200);
    const spans = exportedSpans(out);
    expect(spans).toHaveLength(3);
    for (const s of spans) {
      expect(s.attributes.get('deployment.region')).toBe('eu-west-1');
      expect(s.attributes.get('shard')).toBe(7n);
    }
    const text = await (await fetch(`http://127.0.0.1:${metrics}/metrics`)).text();
    expect(text).toContain('otelcol_receiver_accepted_spans_total{receiver="json_intake",transport=""} 3');
    expect(text).toContain('otelcol_processor_incoming_items_total{processor="example_stamp",otel_signal="traces"} 3');
    expect(text).toContain('otelcol_exporter_sent_spans_total{exporter="file"} 3');
    expect(await summit.stop()).toBe(0);
  });
});
