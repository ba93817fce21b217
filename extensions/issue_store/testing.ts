/** Occurrences as `grouping` hands them to the store, for the store's tests, the CLI's tests and the bench. */
import { createHash } from 'node:crypto';
import { attrs, newLogRecord, newResource, newScope } from '../../pipeline/builders.js';
import { errorEventFromAnyValue } from '../../pipeline/exceptions/body.js';
import { SENTRY_EVENT_NAME, type IssueOccurrence } from '../../pipeline/exceptions/issues.js';
import { errorEventFromOtel, otelException } from '../../pipeline/exceptions/otel.js';
import { toAnyValue } from '../../pipeline/model-ops.js';

export interface OccurrenceSpec {
  project?: string;
  /** The grouping hash; the issue id derives from it (and the project) as grouping derives it. */
  hash?: string;
  title?: string;
  culprit?: string;
  timeMs?: number;
  release?: string;
  environment?: string;
  level?: string;
  /** The Sentry event's `user`. */
  user?: Record<string, unknown>;
  tags?: Record<string, string>;
  /** More fields of the Sentry event (breadcrumbs, exception ...). */
  event?: Record<string, unknown>;
}

export function testIssueId(project: string, hash: string): string {
  return createHash('sha256').update(project).update('\0').update(hash).digest('hex').slice(0, 32);
}

/** A Sentry SDK event in a log record, grouped. */
export function sentryOccurrence(spec: OccurrenceSpec = {}): IssueOccurrence {
  const project = spec.project ?? 'shop';
  const hash = spec.hash ?? 'a'.repeat(32);
  const timeMs = spec.timeMs ?? Date.now();
  const body = toAnyValue({
    event_id: createHash('md5').update(`${hash}${timeMs}${Math.random()}`).digest('hex'),
    platform: 'node',
    level: spec.level ?? 'error',
    timestamp: timeMs / 1000,
    ...(spec.release && { release: spec.release }),
    ...(spec.environment && { environment: spec.environment }),
    ...(spec.user && { user: spec.user }),
    ...(spec.tags && { tags: spec.tags }),
    exception: { values: [{ type: 'TypeError', value: `x is undefined (${hash})` }] },
    ...spec.event,
  });
  const record = newLogRecord({ eventName: SENTRY_EVENT_NAME, body, timeUnixNano: BigInt(timeMs) * 1_000_000n });
  return {
    project,
    issueId: testIssueId(project, hash),
    hash,
    hashes: [hash],
    title: spec.title ?? `TypeError: x is undefined (${hash})`,
    culprit: spec.culprit ?? 'handler(app.js)',
    timeUnixNano: record.timeUnixNano,
    platform: 'node',
    level: spec.level ?? 'error',
    ...(spec.release && { release: spec.release }),
    ...(spec.environment && { environment: spec.environment }),
    event: errorEventFromAnyValue(body)!,
    source: { kind: 'log', resource: newResource({ 'service.name': project }), scope: newScope(), record },
  };
}

/** An OpenTelemetry error (a log record with exception.* attributes), grouped. */
export function otelOccurrence(spec: OccurrenceSpec & { attributes?: Record<string, unknown> } = {}): IssueOccurrence {
  const base = sentryOccurrence(spec);
  const record = newLogRecord({
    timeUnixNano: base.timeUnixNano,
    severityText: 'ERROR',
    attributes: attrs({ 'exception.type': 'TypeError', 'exception.message': 'x is undefined', ...spec.attributes }),
  });
  const event = errorEventFromOtel(otelException(record.attributes)!, 'nodejs');
  return { ...base, event, source: { kind: 'log', resource: newResource({ 'service.name': base.project }), scope: newScope('app'), record } };
}
