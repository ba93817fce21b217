/**
 * The forward connector in a running Summit: OTLP/JSON posted over HTTP (fetch, as any OTLP/HTTP
 * client), read back from file exporters' OTLP/JSON lines. Profiles through it are covered by
 * test/profiles.test.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureStopped, startSummit, until } from '../../test/delivery-helpers.js';
import { freePort, tempDir, type SummitProcess } from '../../test/helpers.js';
import { forwardConnectorFactory } from './index.js';

let summit: SummitProcess | undefined;
let dir = '';
let inA = '';
let inB = '';

beforeAll(async () => {
  dir = tempDir();
  const [a, b] = [await freePort(), await freePort()];
  inA = `http://127.0.0.1:${a}`;
  inB = `http://127.0.0.1:${b}`;
  summit = await startSummit(
    dir,
    `receivers:
  otlp/a: {protocols: {http: {endpoint: "127.0.0.1:${a}"}}}
  otlp/b: {protocols: {http: {endpoint: "127.0.0.1:${b}"}}}
processors:
  attributes/hot: {actions: [{key: route, value: hot, action: insert}]}
connectors:
  forward:
  forward/join:
exporters:
  file/hot: {path: hot.jsonl}
  file/cold: {path: cold.jsonl}
  file/joined: {path: joined.jsonl}
service:
  telemetry: {metrics: {level: none}}
  pipelines:
    traces/in: {receivers: [otlp/a], exporters: [forward]}
    traces/hot: {receivers: [forward], processors: [attributes/hot], exporters: [file/hot]}
    traces/cold: {receivers: [forward], exporters: [file/cold]}
    logs/a: {receivers: [otlp/a], exporters: [forward/join]}
    logs/b: {receivers: [otlp/b], exporters: [forward/join]}
    logs/joined: {receivers: [forward/join], exporters: [file/joined]}
`,
  );
}, 30_000);

afterAll(() => ensureStopped(summit));

const lines = (file: string): Record<string, any>[] =>
  existsSync(join(dir, file))
    ? readFileSync(join(dir, file), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];

async function post(base: string, signal: 'traces' | 'logs', body: object): Promise<void> {
  const res = await fetch(`${base}/v1/${signal}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
}

describe('forward connector', () => {
  it('declares upstream\'s same-signal pairs, profiles included, and no settings', () => {
    expect(forwardConnectorFactory.connects).toEqual([
      ['traces', 'traces'],
      ['metrics', 'metrics'],
      ['logs', 'logs'],
      ['profiles', 'profiles'],
    ]);
    expect(forwardConnectorFactory.configSchema).toMatchObject({ additionalProperties: false, properties: {} });
  });

  it('forks a pipeline: each receiving pipeline gets the spans, and one that changes them does not change the other\'s', async () => {
    const span = { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'GET /cart', kind: 2, startTimeUnixNano: '1', endTimeUnixNano: '2' };
    await post(inA, 'traces', { resourceSpans: [{ resource: {}, scopeSpans: [{ scope: {}, spans: [span] }] }] });
    await until(() => lines('hot.jsonl').length > 0 && lines('cold.jsonl').length > 0, 'both forked pipelines to write');
    const spanOf = (o: Record<string, any>) => o.resourceSpans[0].scopeSpans[0].spans[0];
    expect(spanOf(lines('hot.jsonl')[0])).toMatchObject({ name: 'GET /cart', attributes: [{ key: 'route', value: { stringValue: 'hot' } }] });
    expect(spanOf(lines('cold.jsonl')[0]).name).toBe('GET /cart');
    expect(spanOf(lines('cold.jsonl')[0]).attributes ?? []).toEqual([]);
  });

  it('joins pipelines: what two receivers take arrives in the one pipeline after the connector', async () => {
    const logs = (body: string) => ({ resourceLogs: [{ resource: {}, scopeLogs: [{ scope: {}, logRecords: [{ body: { stringValue: body } }] }] }] });
    await post(inA, 'logs', logs('from a'));
    await post(inB, 'logs', logs('from b'));
    await until(() => lines('joined.jsonl').length === 2, 'two batches in the joined pipeline');
    const bodies = lines('joined.jsonl').map((o) => o.resourceLogs[0].scopeLogs[0].logRecords[0].body.stringValue);
    expect(bodies.sort()).toEqual(['from a', 'from b']);
  });
});
