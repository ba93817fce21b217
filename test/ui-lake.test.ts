/**
 * The UI's history: what the parquet exporter wrote is read back through DuckDB after a
 * restart, when the UI's live store is empty — a trace by id, trace search, log search, service
 * health from the spans, CI runs and flaky-test findings.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ensureStopped, startSummit } from './delivery-helpers.js';
import { freePort, ROOT, tempDir, type SummitProcess } from './helpers.js';

const TOKEN = 'lake-test-token-0123456789';
const TRACE = '5b8efff798038103d269b633813fc60c';
let summit: SummitProcess | undefined;

afterEach(() => ensureStopped(summit));

const config = (ui: number, otlp: number) => `plugins: [${ROOT}/plugins/ui]
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${otlp}
exporters:
  parquet:
    path: ./lake
    max_age: 1s
  ui:
    endpoint: 127.0.0.1:${ui}
    lake: ./lake
    api_token: ${TOKEN}
    admin_file: ./ui-admin.json
service:
  telemetry:
    metrics: { level: none }
  pipelines:
    traces: { receivers: [otlp], exporters: [parquet, ui] }
    logs: { receivers: [otlp], exporters: [parquet, ui] }
`;

const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'archive' } }] };
const t0 = BigInt(Date.now()) * 1_000_000n;

describe('ui history from the Parquet lake', () => {
  it('after a restart, finds the trace, its span events, and the log records through DuckDB', async () => {
    const dir = tempDir('summit-ui-lake-');
    const [ui, otlp] = [await freePort(), await freePort()];
    summit = await startSummit(dir, config(ui, otlp));
    const post = async (signal: string, body: unknown) => expect((await fetch(`http://127.0.0.1:${otlp}/v1/${signal}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).status).toBe(200);
    await post('traces', {
      resourceSpans: [
        {
          resource,
          scopeSpans: [
            {
              spans: [
                { traceId: TRACE, spanId: '0000000000000001', name: 'nightly export', kind: 2, startTimeUnixNano: String(t0), endTimeUnixNano: String(t0 + 250_000_000n), status: { code: 2, message: 'disk full' } },
                {
                  traceId: TRACE,
                  spanId: '0000000000000002',
                  parentSpanId: '0000000000000001',
                  name: 'write chunk',
                  startTimeUnixNano: String(t0 + 1_000_000n),
                  endTimeUnixNano: String(t0 + 2_000_000n),
                  attributes: [{ key: 'chunk', value: { intValue: '7' } }],
                  events: [{ name: 'retry', timeUnixNano: String(t0 + 1_500_000n), attributes: [{ key: 'attempt', value: { intValue: '2' } }] }],
                },
              ],
            },
          ],
        },
      ],
    });
    await post('logs', { resourceLogs: [{ resource, scopeLogs: [{ logRecords: [{ timeUnixNano: String(t0), severityNumber: 17, severityText: 'ERROR', body: { stringValue: 'export failed: disk full' }, traceId: TRACE }] }] }] });
    expect(await summit.stop()).toBe(0); // finishes the open Parquet files
    summit = await startSummit(dir, config(ui, otlp));

    const get = async (path: string) => {
      const res = await fetch(`http://127.0.0.1:${ui}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect([path, res.status]).toEqual([path, 200]);
      return (await res.json()) as any;
    };
    const w = await get(`/ui/api/traces/${TRACE}`);
    expect(w.rows.map(([spanId, depth, , name, service, offset, ms, flags]: any[]) => [spanId, depth, w.names[name], w.services[service], offset, ms, flags])).toEqual([
      ['0000000000000001', 0, 'nightly export', 'archive', 0, 250, 3], // error, on the critical path
      ['0000000000000002', 1, 'write chunk', 'archive', 1, 1, 2],
    ]);
    expect(w.t0).toBe(Number(t0 / 1000n) / 1000);
    const chunk = await get(`/ui/api/traces/${TRACE}/spans/0000000000000002`);
    expect([chunk.name, chunk.parentSpanId, chunk.status, chunk.attributes]).toEqual(['write chunk', '0000000000000001', 'Unset', { chunk: '7' }]);
    expect(chunk.events).toEqual([{ time: Number(t0 / 1000n + 1500n) / 1000, name: 'retry', attributes: { attempt: '2' } }]);

    const search = await get('/ui/api/traces?service=archive&status=Error&minMs=100');
    expect(search.traces.map((t: any) => t.traceId)).toEqual([TRACE]);
    expect((await get('/ui/api/traces?service=archive&minMs=1000')).traces).toEqual([]);
    const logs = await get('/ui/api/logs?q=DISK%20FULL&severity=17');
    expect(logs.logs.map((l: any) => [l.body, l.severityText, l.traceId])).toEqual([['export failed: disk full', 'ERROR', TRACE]]);
    // without spanmetrics, service health is computed from the spans the lake held at start
    const services = await get('/ui/api/services?minutes=1440');
    expect(services.sources.golden).toBe('spans');
    expect(services.golden.map((g: any) => [g.service, g.operation, g.requests, g.errorRate, g.p50])).toEqual([
      ['archive', '*', 1, 1, 250],
      ['archive', 'nightly export', 1, 1, 250],
    ]);
  }, 60_000);

  it('after a restart, lists the CI runs and the flaky tests the lake holds', async () => {
    const dir = tempDir('summit-ui-lake-ci-');
    const [ui, otlp] = [await freePort(), await freePort()];
    summit = await startSummit(dir, config(ui, otlp));
    const post = async (signal: string, body: unknown) => expect((await fetch(`http://127.0.0.1:${otlp}/v1/${signal}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).status).toBe(200);
    const attributes = (o: Record<string, string>) => Object.entries(o).map(([key, v]) => ({ key, value: { stringValue: v } }));
    const span = { traceId: TRACE, spanId: '0000000000000003', name: 'CI', startTimeUnixNano: String(t0), endTimeUnixNano: String(t0 + 60_000_000_000n) };
    await post('traces', { resourceSpans: [{ resource, scopeSpans: [{ spans: [{ ...span, attributes: attributes({ 'summit.cicd.span.type': 'pipeline_run', 'cicd.pipeline.result': 'failure', 'vcs.ref.head.revision': 'abc1234def' }) }] }] }] });
    const finding = { 'vcs.repository.name': 'shop', 'test.case.name': 'cart.totals', 'vcs.ref.head.revision': 'abc1234def', 'cicd.test.flaky.evidence.failed': `{"trace_id":"${TRACE}","run_id":"100"}` };
    await post('logs', {
      resourceLogs: [
        {
          resource,
          scopeLogs: [
            {
              logRecords: [
                { timeUnixNano: String(t0), severityNumber: 13, eventName: 'cicd.test.flaky', body: { stringValue: 'test cart.totals is flaky' }, attributes: attributes(finding) },
                { timeUnixNano: String(t0), severityNumber: 13, body: { stringValue: 'not a finding' }, attributes: attributes({ ...finding, 'vcs.ref.head.revision': 'fff0000' }) },
              ],
            },
          ],
        },
      ],
    });
    expect(await summit.stop()).toBe(0);
    summit = await startSummit(dir, config(ui, otlp));
    const read = async (path: string) => (await (await fetch(`http://127.0.0.1:${ui}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as any;
    expect((await read('/ui/api/ci/runs')).runs.map((r: any) => [r.traceId, r.status, r.commit])).toEqual([[TRACE, 'failure', 'abc1234def']]);
    expect((await read('/ui/api/ci/flaky')).tests.map((t: any) => [t.test, t.commit, t.message, t.failed.run_id])).toEqual([['cart.totals', 'abc1234def', 'test cart.totals is flaky', '100']]);
  }, 60_000);
});
