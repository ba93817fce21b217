import { createServer } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { AggregationTemporality, type Metric, type NumberDataPoint } from '../../../pipeline/model.js';
import { Sentry, contextFor, itemsOfType, sdkItems, type SdkItem , mapperError } from '../../../test/sentry-sdk.js';
import { SESSIONS_METRIC, SESSION_USERS_METRIC, mapSession, mapSessions } from './session.js';
import { type ItemContext, type ItemMapper, type MappedItem } from './types.js';

const ctx: ItemContext = { projectId: '42', projectName: 'checkout', receivedAtMs: 0, envelopeHeader: {}, itemHeader: {} };

function metricOf(mapped: MappedItem, name = SESSIONS_METRIC): Metric {
  const [metric, ...rest] = mapped.metrics!.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics)).filter((m) => m.name === name);
  expect(rest).toEqual([]);
  return metric;
}

/** The points of the metric, none when the item has no such metric. */
function pointsOf(mapped: MappedItem, name = SESSIONS_METRIC): NumberDataPoint[] {
  if (!mapped.metrics) return [];
  const metric = metricOf(mapped, name);
  if (!metric) return [];
  const { data } = metric;
  if (data.type !== 'sum') throw new Error(`a ${data.type}, not a sum`);
  return data.dataPoints;
}

/** `{status: count}` over every point of the mapped items, as a query adding them up would see them. */
function totals(mapped: MappedItem[]): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const m of mapped) {
    for (const p of pointsOf(m)) {
      const status = p.attributes.get('session.status') as string;
      out[status] = (out[status] ?? 0n) + (p.value as bigint);
    }
  }
  return out;
}

/** Per `session.status` (`-`: none), the distinct users of the mapped items, as `count(DISTINCT user.hash)` would count them. */
function users(mapped: MappedItem[]): Record<string, number> {
  const sets = new Map<string, Set<string>>();
  for (const m of mapped) {
    for (const p of pointsOf(m, SESSION_USERS_METRIC)) {
      const status = (p.attributes.get('session.status') as string | undefined) ?? '-';
      sets.set(status, (sets.get(status) ?? new Set()).add(p.attributes.get('user.hash') as string));
    }
  }
  return Object.fromEntries([...sets].map(([k, v]) => [k, v.size]));
}

const errorOf = (mapper: ItemMapper, payload: unknown) => mapperError(mapper, payload, ctx);

const attrs = { release: 'checkout@2.4.1', environment: 'production' };

describe('sessions from @sentry/node', () => {
  let aggregates: SdkItem[];
  let updates: SdkItem[];

  beforeAll(async () => {
    // server mode: the SDK counts each request as a session and sends aggregates
    const server = await sdkItems({ integrations: [Sentry.httpIntegration()] }, async () => {
      const http = createServer((req, res) => {
        if (req.url === '/handled') Sentry.captureException(new Error('handled'));
        if (req.url === '/unhandled') Sentry.captureException(new Error('unhandled'), { mechanism: { handled: false, type: 'test' } });
        res.end('ok');
      });
      await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
      const { port } = http.address() as { port: number };
      for (const path of ['/a', '/b', '/handled', '/unhandled']) await fetch(`http://127.0.0.1:${port}${path}`).then((r) => r.text());
      http.close();
    });
    aggregates = itemsOfType(server, 'sessions');

    // application mode: one session update at each change, as browser and mobile SDKs send them
    const app = await sdkItems({}, () => {
      Sentry.startSession(); // errors, then exits
      Sentry.captureSession();
      Sentry.captureException(new Error('handled'));
      Sentry.endSession();
      Sentry.startSession(); // exits cleanly
      Sentry.captureSession();
      Sentry.endSession();
      Sentry.startSession(); // crashes; a crashed session is not ended again
      Sentry.captureSession();
      Sentry.captureException(new Error('unhandled'), { mechanism: { handled: false, type: 'test' } });
    });
    updates = itemsOfType(app, 'session');

    // three users: ann twice healthy, bob with a handled error, cid crashing after a healthy session
    const withUsers = await sdkItems({}, () => {
      Sentry.getIsolationScope().setSession(); // the crashed session above stays current: it would be sent again as ann's
      const session = (user: string, during: () => void = () => {}) => {
        Sentry.setUser({ id: user });
        Sentry.startSession();
        Sentry.captureSession();
        during();
        if ((Sentry.getIsolationScope().getSession()?.status ?? 'ok') === 'ok') Sentry.endSession();
      };
      session('ann');
      session('ann');
      session('bob', () => Sentry.captureException(new Error('handled')));
      session('cid');
      session('cid', () => Sentry.captureException(new Error('unhandled'), { mechanism: { handled: false, type: 'test' } }));
    });
    userUpdates = itemsOfType(withUsers, 'session');
  });

  let userUpdates: SdkItem[];

  it('counts distinct users by status from the distinct id, hashed: all, errored, crashed', () => {
    expect(new Set(userUpdates.map((u) => (u.payload as { did?: string }).did))).toEqual(new Set(['ann', 'bob', 'cid']));
    const mapped = userUpdates.map((u) => mapSession(u.payload, contextFor(u)));
    expect(totals(mapped)).toEqual({ init: 5n, errored: 2n, crashed: 1n });
    // Relay's user set: users of sessions without errors carry no status; bob and cid are errored, cid crashed too
    expect(users(mapped)).toEqual({ '-': 3, errored: 2, crashed: 1 });
    const hashes = mapped.flatMap((m) => pointsOf(m, SESSION_USERS_METRIC).map((p) => p.attributes.get('user.hash') as string));
    expect(hashes.every((h) => /^[0-9a-f]{32}$/.test(h))).toBe(true);
    expect(JSON.stringify(mapped, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).not.toMatch(/"(ann|bob|cid)"/);
    const metric = metricOf(mapped[0], SESSION_USERS_METRIC);
    expect([metric.unit, metric.data.type]).toEqual(['{session}', 'sum']);
  });

  it('maps aggregates to started, errored and crashed sessions, timed at their start', () => {
    expect(aggregates).toHaveLength(1);
    const [item] = aggregates;
    const mapped = mapSessions(item.payload, contextFor(item));
    const metric = metricOf(mapped);
    expect([metric.name, metric.unit]).toEqual([SESSIONS_METRIC, '{session}']);
    expect(metric.data).toMatchObject({ type: 'sum', aggregationTemporality: AggregationTemporality.Delta, isMonotonic: true });
    // 4 requests: 2 fine, 1 with a handled error, 1 with an unhandled one (crashed ⊂ errored)
    expect(totals([mapped])).toEqual({ init: 4n, errored: 2n, crashed: 1n });
    // the SDK buckets by the minute; a run across a minute boundary sends two buckets
    const starts = (item.payload as { aggregates: { started: string }[] }).aggregates.map((a) => BigInt(Date.parse(a.started)) * 1_000_000n);
    for (const p of pointsOf(mapped)) {
      expect(starts).toContain(p.timeUnixNano);
      expect(p.startTimeUnixNano).toBe(p.timeUnixNano);
    }
  });

  it('counts each session of the updates once: started at init, errored or crashed when it ends', () => {
    expect(updates.map((u) => (u.payload as { status: string }).status)).toEqual(['ok', 'ok', 'exited', 'ok', 'exited', 'ok', 'crashed']);
    expect(totals(updates.map((u) => mapSession(u.payload, contextFor(u))))).toEqual({ init: 3n, errored: 2n, crashed: 1n });
  });

  it('puts release, environment and SDK on the resource', () => {
    const [item] = updates;
    const resource = mapSession(item.payload, contextFor(item)).metrics!.resourceMetrics[0].resource;
    expect(Object.fromEntries(resource.attributes)).toEqual({
      'service.name': 'checkout',
      'service.version': 'checkout@2.4.1',
      'deployment.environment.name': 'production',
      'sentry.project.id': '42',
      'telemetry.sdk.name': 'sentry.javascript.node',
      'telemetry.sdk.version': expect.stringMatching(/^11\./),
    });
  });
});

describe('session mapping', () => {
  const update = (patch: Record<string, unknown>) => ({
    sid: '8333339f-5675-4f89-a9a0-1c935255ab58',
    started: '2020-02-07T14:16:00Z',
    timestamp: '2020-02-07T15:17:00Z',
    attrs,
    ...patch,
  });

  it('counts statuses as Relay does: abnormal and unhandled are errored, abnormal also abnormal', () => {
    expect(totals([mapSession(update({ init: true, status: 'abnormal', errors: 0 }), ctx)])).toEqual({ init: 1n, errored: 1n, abnormal: 1n });
    expect(totals([mapSession(update({ status: 'errored' }), ctx)])).toEqual({ errored: 1n });
    expect(totals([mapSession(update({ status: 'unhandled' }), ctx)])).toEqual({ errored: 1n });
    expect(mapSession(update({ status: 'ok', errors: 3 }), ctx)).toEqual({});
  });

  it('adds up aggregates of the same start, and times each at its start', () => {
    const mapped = mapSessions(
      {
        aggregates: [
          { started: '2020-02-07T14:16:00Z', exited: 123, abnormal: 5, crashed: 7 },
          { started: '2020-02-07T14:16:01Z', did: 'optional distinct user id', exited: 12, errored: 3 },
          { started: '2020-02-07T14:16:01Z', unhandled: 2 },
        ],
        attrs,
      },
      ctx,
    );
    const points = pointsOf(mapped).map((p) => [p.timeUnixNano, p.attributes.get('session.status'), p.value]);
    // Relay's own test case: 135 started and 12 errored at :00, 15 + 2 and 3 + 2 at :01
    expect(points).toEqual([
      [1581084960000000000n, 'init', 135n],
      [1581084960000000000n, 'errored', 12n],
      [1581084960000000000n, 'abnormal', 5n],
      [1581084960000000000n, 'crashed', 7n],
      [1581084961000000000n, 'init', 17n],
      [1581084961000000000n, 'errored', 5n],
    ]);
    expect(mapSessions({ aggregates: [], attrs }, ctx)).toEqual({});
  });

  it('hashes the distinct id per project, skips a nil UUID, and counts aggregates as Relay does', () => {
    const hashOf = (did: unknown, projectId = '42') =>
      mapSession(update({ init: true, did }), { ...ctx, projectId }).metrics!.resourceMetrics[0].scopeMetrics[0].metrics.find((m) => m.name === SESSION_USERS_METRIC);
    const one = (did: string, projectId?: string) => (hashOf(did, projectId)!.data as { dataPoints: NumberDataPoint[] }).dataPoints[0].attributes.get('user.hash');
    expect(one('user123')).toBe(one('user123'));
    expect(one('user123')).not.toBe(one('user124'));
    expect(one('user123')).not.toBe(one('user123', '43'));
    expect(hashOf('00000000-0000-0000-0000-000000000000')).toBeUndefined();
    expect(hashOf('00000000000000000000000000000000')).toBeUndefined();
    expect(hashOf(undefined)).toBeUndefined();
    // an update with errors but status ok counts its user errored (Relay's all_errors)
    expect(users([mapSession(update({ did: 'u', status: 'ok', errors: 2 }), ctx)])).toEqual({ errored: 1 });
    expect(users([mapSession(update({ did: 'u', status: 'abnormal' }), ctx)])).toEqual({ errored: 1, abnormal: 1 });
    const aggregates = mapSessions(
      {
        aggregates: [
          { started: '2020-02-07T14:16:00Z', did: 'a', exited: 3 },
          { started: '2020-02-07T14:16:00Z', did: 'b', exited: 1, crashed: 1 },
          { started: '2020-02-07T14:16:00Z', exited: 7, errored: 7 },
        ],
        attrs,
      },
      ctx,
    );
    expect(users([aggregates])).toEqual({ '-': 1, errored: 1, crashed: 1 });
    expect(pointsOf(aggregates, SESSION_USERS_METRIC).map((p) => p.value)).toEqual([3n, 2n, 2n]);
  });

  it('drops an environment Sentry would not take, as Relay does', () => {
    const env = (environment: string) =>
      mapSession(update({ init: true, attrs: { release: 'r@1', environment } }), ctx).metrics!.resourceMetrics[0].resource.attributes.get('deployment.environment.name');
    expect(env('staging')).toBe('staging');
    expect(env('none')).toBeUndefined();
    expect(env('a/b')).toBeUndefined();
    expect(env('x'.repeat(65))).toBeUndefined();
  });

  it('refuses what Relay drops, naming the field', () => {
    const cases: [ItemMapper, unknown, string][] = [
      [mapSession, update({ attrs: undefined }), 'attrs'],
      [mapSession, update({ attrs: { environment: 'production' } }), 'attrs.release'],
      [mapSession, update({ attrs: { release: '' } }), 'attrs.release'],
      [mapSession, update({ attrs: { release: 'latest' } }), 'attrs.release'],
      [mapSession, update({ attrs: { release: 'a/b' } }), 'attrs.release'],
      [mapSession, update({ attrs: { release: 'r'.repeat(201) } }), 'attrs.release'],
      [mapSession, update({ status: 'sleeping' }), 'status'],
      [mapSession, update({ started: undefined }), 'started'],
      [mapSession, update({ started: 'monday' }), 'started'],
      [mapSession, update({ timestamp: 'later' }), 'timestamp'],
      [mapSession, update({ errors: -1 }), 'errors'],
      [mapSession, update({ errors: 1.5 }), 'errors'],
      [mapSession, update({ init: 'yes' }), 'init'],
      [mapSession, update({ sid: 'not-a-uuid' }), 'sid'],
      [mapSession, update({ did: 7 }), 'did'],
      [mapSessions, { attrs, aggregates: [{ started: '2020-02-07T14:16:00Z', did: {} }] }, 'aggregates[0].did'],
      [mapSessions, { attrs: { environment: 'production' }, aggregates: [] }, 'attrs.release'],
      [mapSessions, { attrs, aggregates: {} }, 'aggregates'],
      [mapSessions, { attrs, aggregates: [{ exited: 1 }] }, 'aggregates[0].started'],
      [mapSessions, { attrs, aggregates: [{ started: '2020-02-07T14:16:00Z', crashed: -2 }] }, 'aggregates[0].crashed'],
      [mapSessions, { attrs, aggregates: [{ started: '2020-02-07T14:16:00Z', exited: 2 ** 32 }] }, 'aggregates[0].exited'],
    ];
    for (const [mapper, payload, path] of cases) expect(errorOf(mapper, payload).path, JSON.stringify(payload)).toBe(path);
  });
});
