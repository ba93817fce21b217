import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lake } from './lake.js';
import { metricFiles, readHistory } from './lake-history.js';
import { releaseHealth } from './metric-views.js';
import { ReleaseUsers } from './release-users.js';

const dir = join(tmpdir(), `summit-ui-history-${process.pid}`);
const HOUR = 3_600_000;
const hourStart = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
const iso = new Date(hourStart).toISOString();
const partition = join(dir, 'metrics', `date=${iso.slice(0, 10)}`, `hour=${iso.slice(11, 13)}`);
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
  mkdirSync(partition, { recursive: true });
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
    const since = Date.now() - 35 * 24 * HOUR;
    const h = await readHistory(lake, metricFiles(dir, since), since);
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
      const since = Date.now() - 35 * 24 * HOUR;
      const listed = metricFiles(dir, since);
      expect(listed.map((f) => f.slice(partition.length + 1)).sort()).toEqual(['part-c.parquet', 'part-m.parquet']);
      // the compaction goes on: c and m merged into n, then deleted
      await write('part-n.parquet', `${sessions(1, 2, 0, 'u1')} UNION ALL ${sessions(30, 3, 1, 'u2')} UNION ALL ${sessions(40, 1, 0, 'u1')}`);
      for (const f of ['part-a.parquet', 'part-b.parquet', 'part-c.parquet', 'part-m.parquet', '.compaction-part-m.parquet.json']) rmSync(join(partition, f));
      const h = await readHistory(lake, listed, since);
      const init = h.points.find((p) => p.attributes['session.status'] === 'init');
      expect([init?.value, h.users.length]).toEqual([6, 2]);
    } finally {
      await lake.close();
    }
  });
});
