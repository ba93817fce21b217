/**
 * `session` (one session update) and `sessions` (pre-aggregated counts, what server SDKs send)
 * items → the metric `sentry.sessions`: a delta sum of sessions by `session.status`, extracted
 * as Relay extracts its session metrics (relay-server metrics_extraction/sessions):
 *
 * - `init`: sessions started — an update with `init: true`, or every session of an aggregate;
 * - `errored`: sessions that ended with errors, crashed and abnormal ones included;
 * - `crashed`, `abnormal`: sessions that ended so (subsets of `errored`).
 *
 * Each point is timed at the session's start, as Relay buckets session metrics, so one window
 * holds a cohort of sessions and its crashed never outnumber its started. See README.md for what
 * differs from Relay (no distinct-user sets) and how to compute crash-free rates.
 */
import { newScope } from '../../../pipeline/builders.js';
import { AggregationTemporality, type Metric, type NumberDataPoint } from '../../../pipeline/model.js';
import { Fields, fieldPath, sdkOf, sentryResource, type ServiceFields } from './payload.js';
import { ItemError, type ItemContext, type ItemMapper, type MappedItem } from './types.js';

export const SESSIONS_METRIC = 'sentry.sessions';

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

/** Counts per (session start, status), added up as they come. */
class SessionCounts {
  private readonly points = new Map<string, NumberDataPoint>();

  add(startedNs: bigint, status: Counted, n: number): void {
    if (n === 0) return;
    const key = `${startedNs}/${status}`;
    const point = this.points.get(key);
    if (point) point.value = (point.value as bigint) + BigInt(n);
    else {
      this.points.set(key, {
        attributes: new Map([['session.status', status]]),
        startTimeUnixNano: startedNs,
        timeUnixNano: startedNs,
        value: BigInt(n),
        exemplars: [],
        flags: 0,
      });
    }
  }

  toItem(ctx: ItemContext, service: ServiceFields): MappedItem {
    if (this.points.size === 0) return {};
    const metric: Metric = {
      name: SESSIONS_METRIC,
      description: 'Sentry release-health sessions by session.status: started (init), ended errored, crashed or abnormal; timed at the session start',
      unit: '{session}',
      metadata: new Map(),
      data: { type: 'sum', aggregationTemporality: AggregationTemporality.Delta, isMonotonic: true, dataPoints: [...this.points.values()] },
    };
    const resource = sentryResource(ctx, service);
    return { metrics: { resourceMetrics: [{ resource, schemaUrl: '', scopeMetrics: [{ scope: newScope(), schemaUrl: '', metrics: [metric] }] }] } };
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

  const counts = new SessionCounts();
  if (f.bool('init') === true) counts.add(started, 'init', 1);
  // a session that exited after errors ended errored
  const ended: readonly Counted[] = status === 'exited' && errors > 0 ? ['errored'] : counted;
  for (const c of ended) counts.add(started, c, 1);
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
  });
  return counts.toItem(ctx, service);
};
