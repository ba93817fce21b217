import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lake } from './lake.js';
import { historyFiles, readHistory } from './lake-history.js';
import { LiveStore } from './live-store.js';
import { releaseHealth, spanmetricsGolden } from './metric-views.js';
import { goldenSignals, serviceMap } from './views.js';
import { ReleaseUsers } from './release-users.js';

const dir = join(tmpdir(), `summit-ui-history-${process.pid}`);
const HOUR = 3_600_000;
const hourStart = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
const iso = new Date(hourStart).toISOString();
const partitionOf = (signal: string) => join(dir, signal, `date=${iso.slice(0, 10)}`, `hour=${iso.slice(11, 13)}`);
const partition = partitionOf('metrics');
const OPTIONS = { spanmetricsNamespace: 'traces.span.metrics', maxServicePoints: 1000, maxServiceSpans: 1000 };
const RESOURCE = "MAP(['service.name', 'service.version'], ['shop', 'shop@1.0'])";

/** Rows of sentry.sessions (delta) and sentry.sessions.user, `minute` minutes into the hour. */
const sessions = (minute: number, init: number, crashed: number, user: string) => {
  const t = (hourStart + minute * 60_000) * 1000;
  const row = (name: string, value: number, attributes: string) =>
    `SELECT '${name}' AS metric_name, '{session}' AS metric_unit, 'shop' AS service_name, 'Sum' AS metric_type, 'Delta' AS aggregation_temporality,
      ${attributes} AS attributes, ${RESOURCE} AS resource_attributes, make_timestamp(${t})::TIMESTAMP_NS AS time, make_timestamp(${t})::TIMESTAMP_NS AS start_time,
      ${value}::DOUBLE AS value, NULL::BIGINT AS count, NULL::DOUBLE[] AS explicit_bounds, NULL::BIGINT[] AS bucket_counts`;
  return [
    row('sentry.sessions', init, "MAP(['session.status'], ['init'])"),
    row('sentry.sessions', crashed, "MAP(['session.status'], ['crashed'])"),
    row('sentry.sessions.user', 1, `MAP(['user.hash', 'session.status'], ['${user}', '${crashed ? 'crashed' : 'errored'}'])`),
  ].join(' UNION ALL ');
};

let c: DuckDBConnection;
const write = (name: string, sql: string) => c.run(`COPY (${sql}) TO '${join(partition, name)}' (FORMAT parquet)`);

beforeAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  for (const signal of ['metrics', 'logs', 'traces']) mkdirSync(partitionOf(signal), { recursive: true });
  c = await (await DuckDBInstance.create(':memory:')).connect();
});

afterAll(() => {
  c.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

/** Release health and users from what the lake holds now. */
async function health() {
  const lake = new Lake(dir);
  try {
    const now = Date.now();
    const h = await readHistory(lake, historyFiles(dir, now), { now, ...OPTIONS });
    const users = new ReleaseUsers(35 * 24 * HOUR, 1000);
    for (const u of h.users) users.addUser(u.release, u.user, u.statuses, u.last);
    const r = releaseHealth(h.points, users.counts()).get('shop@1.0')!;
    return { sessions: r.sessions, crashed: r.crashed, users: r.users.users, crashedUsers: r.users.crashed, points: h.points.length };
  } finally {
    await lake.close();
  }
}

describe('release health and DORA read back from the lake', () => {
  it("adds up an hour's delta points as one point a series, and counts each user once", async () => {
    await write('part-a.parquet', sessions(1, 2, 0, 'u1'));
    await write('part-b.parquet', sessions(30, 3, 1, 'u2'));
    await write('part-c.parquet', sessions(40, 1, 0, 'u1'));
    expect(await health()).toEqual({ sessions: 6, crashed: 1, users: 2, crashedUsers: 1, points: 2 });
  });

  it('counts a compaction caught between its merged file and its sources\' deletion once', async () => {
    // as the parquet exporter compacts: the journal names the sources, the merged file holds their rows
    await write('part-m.parquet', `${sessions(1, 2, 0, 'u1')} UNION ALL ${sessions(30, 3, 1, 'u2')}`);
    writeFileSync(join(partition, '.compaction-part-m.parquet.json'), JSON.stringify({ sources: ['part-a.parquet', 'part-b.parquet'] }));
    expect(await health()).toMatchObject({ sessions: 6, crashed: 1, users: 2 });
  });

  it('lists a partition again when compaction took files away before DuckDB read them', async () => {
    const lake = new Lake(dir);
    try {
      const now = Date.now();
      const listed = historyFiles(dir, now);
      expect(listed.metrics.map((f) => f.slice(partition.length + 1)).sort()).toEqual(['part-c.parquet', 'part-m.parquet']);
      // the compaction goes on: c and m merged into n, then deleted
      await write('part-n.parquet', `${sessions(1, 2, 0, 'u1')} UNION ALL ${sessions(30, 3, 1, 'u2')} UNION ALL ${sessions(40, 1, 0, 'u1')}`);
      for (const f of ['part-a.parquet', 'part-b.parquet', 'part-c.parquet', 'part-m.parquet', '.compaction-part-m.parquet.json']) rmSync(join(partition, f));
      const h = await readHistory(lake, listed, { now, ...OPTIONS });
      const init = h.points.find((p) => p.attributes['session.status'] === 'init');
      expect([init?.value, h.users.length]).toEqual([6, 2]);
    } finally {
      await lake.close();
    }
  });

  it("without the connectors' metrics, restores the newest spans of the service page's window, as many as the span ring holds", async () => {
    // shop-web's POST /checkout calls payments' POST /charge, which fails
    const span = (minute: number, id: string, parent: string, service: string, name: string, kind: string, status: string) =>
      `SELECT '${'1'.repeat(32)}' AS trace_id, '${id.repeat(16)}' AS span_id, '${parent && parent.repeat(16)}' AS parent_span_id, '${name}' AS name, '${service}' AS service_name,
        '${kind}' AS kind, '${status}' AS status_code, make_timestamp(${(hourStart + minute * 60_000) * 1000})::TIMESTAMP_NS AS start_time,
        make_timestamp(${(hourStart + minute * 60_000 + 30) * 1000})::TIMESTAMP_NS AS end_time, 30000000::BIGINT AS duration_ns,
        []::STRUCT(time TIMESTAMP_NS, name VARCHAR, attributes MAP(VARCHAR, VARCHAR))[] AS events`;
    await c.run(`COPY (${span(1, 'a', '', 'shop-web', 'POST /checkout', 'Server', 'Unset')} UNION ALL ${span(2, 'b', 'a', 'shop-web', 'POST /charge', 'Client', 'Error')}
      UNION ALL ${span(3, 'c', 'b', 'payments', 'POST /charge', 'Server', 'Error')}) TO '${join(partitionOf('traces'), 'part-spans.parquet')}' (FORMAT parquet)`);
    const lake = new Lake(dir);
    try {
      const now = Date.now();
      const restored = async (maxServiceSpans: number) => {
        const live = new LiveStore({ max_spans: 10, max_logs: 10, max_points: 10, max_value_bytes: 1000, max_bytes: 1e6 });
        live.restore(await readHistory(lake, historyFiles(dir, now), { now, ...OPTIONS, maxServiceSpans }));
        return live;
      };
      const live = await restored(1000);
      const golden = goldenSignals(live.serviceSpans(), 24 * HOUR, 100, now).filter((g) => g.operation === '*');
      expect(golden.map((g) => [g.service, g.requests, g.errorRate, g.p50])).toEqual([
        ['payments', 1, 1, 30],
        ['shop-web', 1, 0, 30],
      ]);
      expect(serviceMap(live.serviceSpans(), 24 * HOUR, now).edges).toEqual([{ from: 'shop-web', to: 'payments', requests: 1, rate: 1 / (24 * 3600), errorRate: 1 }]);
      expect([...(await restored(2)).serviceSpans()].map((s) => s.spanId[0])).toEqual(['b', 'c']);
    } finally {
      await lake.close();
    }
  });

  it("restores an issue's events per hour from log records and span events, and the service page's spanmetrics points", async () => {
    const at = (minute: number) => `make_timestamp(${(hourStart + minute * 60_000) * 1000})::TIMESTAMP_NS`;
    const log = (minute: number, issue: string) =>
      `SELECT ${at(minute)} AS time, ${at(minute)} AS observed_time, MAP(['issue.id', 'exception.type'], ['${issue}', 'TypeError']) AS attributes`;
    await c.run(`COPY (${log(5, 'a'.repeat(32))} UNION ALL ${log(10, 'a'.repeat(32))} UNION ALL ${log(12, 'b'.repeat(32))}
      UNION ALL SELECT ${at(13)}, ${at(13)}, MAP(['http.route'], ['/cart'])) TO '${join(partitionOf('logs'), 'part-l.parquet')}' (FORMAT parquet)`);
    const event = (minute: number, attributes: string) => `{'time': ${at(minute)}, 'name': 'exception', 'attributes': ${attributes}}`;
    await c.run(`COPY (SELECT ${at(20)} AS start_time, ${at(21)} AS end_time,
      [${event(20, `MAP(['issue.id'], ['${'a'.repeat(32)}'])`)}, ${event(21, "MAP(['exception.type'], ['x'])")}] AS events)
      TO '${join(partitionOf('traces'), 'part-t.parquet')}' (FORMAT parquet)`);
    // spanmetrics' cumulative calls of one series: 2 points in minute 30 (the later one counts), 1 in minute 31
    const calls = (minute: number, second: number, value: number) =>
      `SELECT 'traces.span.metrics.calls' AS metric_name, '' AS metric_unit, 'payments' AS service_name, 'Sum' AS metric_type, 'Cumulative' AS aggregation_temporality,
        MAP(['service.name', 'span.name', 'span.kind', 'status.code'], ['payments', 'POST /charge', 'SPAN_KIND_SERVER', 'STATUS_CODE_ERROR']) AS attributes,
        MAP(['service.name'], ['payments']) AS resource_attributes, make_timestamp(${(hourStart + minute * 60_000 + second * 1000) * 1000})::TIMESTAMP_NS AS time,
        make_timestamp(${hourStart * 1000})::TIMESTAMP_NS AS start_time, ${value}::DOUBLE AS value, NULL::BIGINT AS count, NULL::DOUBLE[] AS explicit_bounds, NULL::BIGINT[] AS bucket_counts`;
    await write('part-s.parquet', `${calls(30, 0, 1)} UNION ALL ${calls(30, 30, 3)} UNION ALL ${calls(31, 0, 4)}`);

    const lake = new Lake(dir);
    const live = new LiveStore({ max_spans: 10, max_logs: 10, max_points: 10, max_value_bytes: 1000, max_bytes: 1e6 });
    try {
      const now = Date.now();
      live.restore(await readHistory(lake, historyFiles(dir, now), { now, ...OPTIONS }));
      const spark24 = (issue: string) => live.sparkline(issue.repeat(32), 24, 1, now);
      expect([spark24('a')[21], spark24('b')[21], spark24('a').reduce((x, y) => x + y)]).toEqual([3, 1, 3]);
      expect(live.sparkline('a'.repeat(32), 14, 24, now).reduce((x, y) => x + y)).toBe(3);
      expect([...live.servicePoints()].map((p) => p.value)).toEqual([3, 4]);
      const [golden] = spanmetricsGolden(live.servicePoints(), 'traces.span.metrics', 24 * HOUR, 100, now);
      expect(golden).toMatchObject({ service: 'payments', operation: '*', requests: 4, errorRate: 1 });
    } finally {
      await lake.close();
    }
  });
});
