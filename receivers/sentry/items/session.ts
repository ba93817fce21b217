/**
 * `session` (one session update) and `sessions` (pre-aggregated counts, what server SDKs send)
 * items → the metric `sentry.sessions`: a delta sum of sessions by `session.status`, extracted
 * as Relay extracts its session metrics (relay-server metrics_extraction/sessions):
 *
 * - `init`: sessions started — an update with `init: true`, or every session of an aggregate;
 * - `errored`: sessions that ended with errors, crashed and abnormal ones included;
 * - `crashed`, `abnormal`: sessions that ended so (subsets of `errored`).
 *
 * Sessions with a distinct id (`did`) also make `sentry.sessions.user`: one point per user (its
 * `user.hash`, never the id itself) and status, as Relay fills its user set `s:sessions/user` —
 * no `session.status` for a session without errors, else `errored`, and `crashed` or `abnormal`
 * besides. Counting distinct `user.hash` gives users, and with `crashed` crash-free users.
 *
 * Each point is timed at the session's start, as Relay buckets session metrics, so one window
 * holds a cohort of sessions and its crashed never outnumber its started. See README.md for what
 * differs from Relay and how to compute crash-free rates.
 */
import { createHash } from 'node:crypto';
import { newScope } from '../../../pipeline/builders.js';
import { AggregationTemporality, type Metric, type NumberDataPoint } from '../../../pipeline/model.js';
import { Fields, fieldPath, sdkOf, sentryResource, type ServiceFields } from './payload.js';
import { ItemError, type ItemContext, type ItemMapper, type MappedItem } from './types.js';

export const SESSIONS_METRIC = 'sentry.sessions';
export const SESSION_USERS_METRIC = 'sentry.sessions.user';

type Counted = 'init' | 'errored' | 'crashed' | 'abnormal';

/** Statuses a session update may have (Relay's SessionStatus) and what each counts, `init` aside. */
const COUNTED_BY_STATUS: Record<string, Counted[]> = {
  ok: [],
  exited: [],
  errored: ['errored'],
  unhandled: ['errored'],
  crashed: ['errored', 'crashed'],
  abnormal: ['errored', 'abnormal'],
};

/** Relay's aggregate counts are u32. */
const MAX_AGGREGATE_COUNT = 2 ** 32 - 1;

// What Sentry's API takes as a release or environment name (Relay's validate_release/_environment).
const BAD_NAME_CHARACTERS = /[\\/\r\n\t\x7f\x00-\x1f]/;

function validRelease(release: string | undefined): string {
  if (release === undefined || release === '') throw new ItemError('attrs.release', 'missing: sessions require a release');
  if (release.length > 200) throw new ItemError('attrs.release', `expected at most 200 characters, got ${release.length}`);
  if (release === '.' || release === '..' || release.toLowerCase() === 'latest') {
    throw new ItemError('attrs.release', 'expected a release name, got a reserved name (".", ".." or "latest")');
  }
  if (BAD_NAME_CHARACTERS.test(release)) throw new ItemError('attrs.release', 'expected no slashes, backslashes or control characters');
  return release;
}

/** Relay drops an invalid environment and keeps the session. */
function validEnvironment(environment: string | undefined): string | undefined {
  if (environment === undefined || environment.length > 64 || BAD_NAME_CHARACTERS.test(environment)) return undefined;
  return environment === '.' || environment === '..' || environment.toLowerCase() === 'none' ? undefined : environment;
}

const UUID = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

const NIL_UUID = /^0{8}-?0{4}-?0{4}-?0{4}-?0{12}$/;

/**
 * The user of a session as it is kept: a SHA-256 of the project and the distinct id, so the id
 * (an email, a login) leaves the receiver in no form a reader can take back without guessing it,
 * and one user of two projects is two. Relay likewise keeps a hash (CRC32) in its set; 128 bits
 * make collisions between users of a release as good as impossible, where 32 bits would not.
 * A nil UUID is no user, as in Relay.
 */
function userHash(projectId: string, did: string | undefined): string | undefined {
  if (did === undefined || did === '' || NIL_UUID.test(did)) return undefined;
  return createHash('sha256').update(projectId).update('\0').update(did).digest('hex').slice(0, 32);
}

/** What a session (or an aggregate's sessions) of one user counts that user as. */
function userStatuses(errored: boolean, crashed: boolean, abnormal: boolean): (Counted | undefined)[] {
  const out: (Counted | undefined)[] = [errored ? 'errored' : undefined];
  if (abnormal) out.push('abnormal');
  if (crashed) out.push('crashed');
  return out;
}

const sumPoint = (attributes: Map<string, string>, startedNs: bigint, n: number): NumberDataPoint => ({
  attributes,
  startTimeUnixNano: startedNs,
  timeUnixNano: startedNs,
  value: BigInt(n),
  exemplars: [],
  flags: 0,
});

const deltaSum = (name: string, description: string, unit: string, dataPoints: NumberDataPoint[]): Metric => ({
  name,
  description,
  unit,
  metadata: new Map(),
  data: { type: 'sum', aggregationTemporality: AggregationTemporality.Delta, isMonotonic: true, dataPoints },
});

/** Counts per (session start, status) and per (start, user, status), added up as they come. */
class SessionCounts {
  private readonly points = new Map<string, NumberDataPoint>();
  private readonly users = new Map<string, NumberDataPoint>();

  add(startedNs: bigint, status: Counted, n: number): void {
    if (n === 0) return;
    this.addTo(this.points, `${startedNs}/${status}`, () => new Map([['session.status', status]]), startedNs, n);
  }

  /** `n` updates or sessions of the user, counted with each status (`undefined`: without errors). */
  addUser(startedNs: bigint, user: string | undefined, statuses: (Counted | undefined)[], n: number): void {
    if (user === undefined || n === 0) return;
    for (const status of statuses) {
      const attributes = () => new Map([['user.hash', user], ...(status ? [['session.status', status] as const] : [])]);
      this.addTo(this.users, `${startedNs}/${user}/${status ?? ''}`, attributes, startedNs, n);
    }
  }

  private addTo(points: Map<string, NumberDataPoint>, key: string, attributes: () => Map<string, string>, startedNs: bigint, n: number): void {
    const point = points.get(key);
    if (point) point.value = (point.value as bigint) + BigInt(n);
    else points.set(key, sumPoint(attributes(), startedNs, n));
  }

  toItem(ctx: ItemContext, service: ServiceFields): MappedItem {
    const metrics: Metric[] = [];
    if (this.points.size > 0) {
      metrics.push(
        deltaSum(
          SESSIONS_METRIC,
          'Sentry release-health sessions by session.status: started (init), ended errored, crashed or abnormal; timed at the session start',
          '{session}',
          [...this.points.values()],
        ),
      );
    }
    if (this.users.size > 0) {
      metrics.push(
        deltaSum(
          SESSION_USERS_METRIC,
          "Sentry release-health users: one point per user (user.hash, a hash of the SDK's distinct id) and session.status (none: a session without errors), valued by the session updates or aggregated sessions seen; count distinct user.hash for users",
          '{session}',
          [...this.users.values()],
        ),
      );
    }
    if (metrics.length === 0) return {};
    const resource = sentryResource(ctx, service);
    return { metrics: { resourceMetrics: [{ resource, schemaUrl: '', scopeMetrics: [{ scope: newScope(), schemaUrl: '', metrics }] }] } };
  }
}

/** `attrs`: the release (required, as Relay requires it) and environment the sessions are of. */
function serviceOf(f: Fields, ctx: ItemContext): ServiceFields {
  const attrs = f.object('attrs');
  if (!attrs) throw f.missing('attrs', 'an object with the release');
  return { release: validRelease(attrs.str('release')), environment: validEnvironment(attrs.str('environment')), ...sdkOf(undefined, ctx) };
}

/**
 * One session update. Errored sessions are counted at the update that ends them (a status other
 * than `ok`): a session's updates say "errored" more than once, and without Relay's set of
 * session ids only its one terminal update counts it once.
 */
export const mapSession: ItemMapper = (payload, ctx) => {
  const f = Fields.of(payload, '');
  const service = serviceOf(f, ctx);
  const sid = f.str('sid');
  if (sid !== undefined && !UUID.test(sid)) throw new ItemError('sid', 'expected a UUID');
  const status = f.str('status') ?? 'ok';
  const counted = COUNTED_BY_STATUS[status];
  if (counted === undefined) throw new ItemError('status', `expected one of ${Object.keys(COUNTED_BY_STATUS).join(', ')}`);
  const started = f.reqTime('started');
  f.time('timestamp'); // not counted (points are timed at the start), but it must be a time
  const errors = f.count('errors', Number.MAX_SAFE_INTEGER) ?? 0;
  const user = userHash(ctx.projectId, f.str('did'));

  const counts = new SessionCounts();
  if (f.bool('init') === true) counts.add(started, 'init', 1);
  // a session that exited after errors ended errored
  const ended: readonly Counted[] = status === 'exited' && errors > 0 ? ['errored'] : counted;
  for (const c of ended) counts.add(started, c, 1);
  // users form a set: every update may name its user, as in Relay, whose errored includes any update with errors
  counts.addUser(started, user, userStatuses(errors > 0 || counted.includes('errored'), status === 'crashed', status === 'abnormal'), 1);
  return counts.toItem(ctx, service);
};

/** Aggregates: each entry counts the sessions started in one interval by how they ended. */
export const mapSessions: ItemMapper = (payload, ctx) => {
  const f = Fields.of(payload, '');
  const service = serviceOf(f, ctx);
  const counts = new SessionCounts();
  (f.arr('aggregates') ?? []).forEach((raw, i) => {
    const a = Fields.of(raw, fieldPath('aggregates', i));
    const started = a.reqTime('started');
    const [exited, errored, abnormal, unhandled, crashed] = ['exited', 'errored', 'abnormal', 'unhandled', 'crashed'].map(
      (k) => a.count(k, MAX_AGGREGATE_COUNT) ?? 0,
    );
    // Relay: all are started sessions; errored (its errored_preaggr) takes in the fatal ones
    counts.add(started, 'init', exited + errored + abnormal + unhandled + crashed);
    counts.add(started, 'errored', errored + abnormal + unhandled + crashed);
    counts.add(started, 'abnormal', abnormal);
    counts.add(started, 'crashed', crashed);
    const user = userHash(ctx.projectId, a.str('did'));
    const sessions = exited + errored + abnormal + unhandled + crashed;
    counts.addUser(started, user, userStatuses(errored + abnormal + unhandled + crashed > 0, crashed > 0, abnormal > 0), sessions);
  });
  return counts.toItem(ctx, service);
};
