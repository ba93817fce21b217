import { beforeAll, describe, expect, it } from 'vitest';
import { Sentry, contextFor, itemsOfType, sdkItems, type SdkItem , mapperError } from '../../../test/sentry-sdk.js';
import { MAX_QUANTITY, mapClientReport } from './client-report.js';
import { type ClientOutcome, type ItemContext } from './types.js';

const ctx: ItemContext = { projectId: '42', projectName: 'checkout', receivedAtMs: 0, envelopeHeader: {}, itemHeader: { type: 'client_report' } };

const errorOf = (payload: unknown) => mapperError(mapClientReport, payload, ctx);

const byKey = (outcomes: ClientOutcome[] | undefined) =>
  Object.fromEntries((outcomes ?? []).map((o) => [`${o.reason}/${o.category}`, o.quantity]));

describe('client reports from @sentry/node', () => {
  let reports: SdkItem[];

  beforeAll(async () => {
    const items = await sdkItems({ tracesSampleRate: 0, traceLifecycle: 'static', beforeSend: () => null }, () => {
      Sentry.captureMessage('dropped by before_send');
      Sentry.captureMessage('dropped by before_send too');
      Sentry.startSpan({ name: 'sampled out', op: 'function' }, () => undefined);
    });
    reports = itemsOfType(items, 'client_report');
  });

  it('maps what the SDK dropped to outcomes by reason and category', () => {
    const outcomes = reports.flatMap((r) => mapClientReport(r.payload, contextFor(r)).outcomes ?? []);
    const counts = byKey(outcomes);
    expect(counts['before_send/error']).toBe(2);
    expect(counts['sample_rate/transaction']).toBe(1);
    // what the mapper returns is exactly what the report said, entry by entry
    const sent = reports.flatMap((r) => (r.payload as { discarded_events: ClientOutcome[] }).discarded_events);
    expect(byKey(outcomes)).toEqual(byKey(sent));
  });

  it('maps no telemetry', () => {
    for (const r of reports) expect(Object.keys(mapClientReport(r.payload, contextFor(r)))).toEqual(['outcomes']);
  });
});

describe('client report mapping', () => {
  it('adds up entries of one reason and category, in every form and list Relay takes', () => {
    const outcomes = mapClientReport(
      {
        timestamp: '2020-02-07T15:17:00Z',
        discarded_events: [
          { reason: 'queue_overflow', category: 'error', quantity: 42 },
          ['queue_overflow', 'error', 8],
          { reason: 'ratelimit_backoff', category: 'attachment', quantity: 1_048_576 },
        ],
        rate_limited_events: [{ reason: 'bar_reason', category: 'session', quantity: 456 }],
        filtered_events: [{ reason: 'browser-extensions', category: 'error', quantity: 1 }],
        filtered_sampling_events: [{ reason: 'Sampled:1', category: 'transaction', quantity: 3 }],
      },
      ctx,
    ).outcomes;
    expect(byKey(outcomes)).toEqual({
      'queue_overflow/error': 50,
      'ratelimit_backoff/attachment': 1_048_576,
      'rate_limited:bar_reason/session': 456,
      'filtered:browser-extensions/error': 1,
      'filtered_sampling:Sampled:1/transaction': 3,
    });
  });

  it('names categories as Relay does: an unknown one is `unknown`, user_report_v2 is feedback', () => {
    const outcomes = mapClientReport(
      { discarded_events: [['x', 'log_item', 1], ['x', 'internal', 2], ['x', 'made_up', 3], ['x', 'user_report_v2', 4]] },
      ctx,
    ).outcomes;
    expect(byKey(outcomes)).toEqual({ 'x/log_item': 1, 'x/unknown': 5, 'x/feedback': 4 });
    expect(mapClientReport({}, ctx)).toEqual({ outcomes: [] });
  });

  it('refuses malformed reports, naming the field', () => {
    const cases: [unknown, string][] = [
      ['report', '(payload)'],
      [{ discarded_events: {} }, 'discarded_events'],
      [{ timestamp: 'noon' }, 'timestamp'],
      [{ discarded_events: ['queue_overflow'] }, 'discarded_events[0]'],
      [{ discarded_events: [['queue_overflow', 'error']] }, 'discarded_events[0]'],
      [{ discarded_events: [{ category: 'error', quantity: 1 }] }, 'discarded_events[0].reason'],
      [{ discarded_events: [{ reason: 'r'.repeat(201), category: 'error', quantity: 1 }] }, 'discarded_events[0].reason'],
      [{ discarded_events: [{ reason: 'x', category: 7, quantity: 1 }] }, 'discarded_events[0].category'],
      [{ discarded_events: [{ reason: 'x', category: 'error', quantity: -1 }] }, 'discarded_events[0].quantity'],
      [{ discarded_events: [{ reason: 'x', category: 'error', quantity: 1.5 }] }, 'discarded_events[0].quantity'],
      [{ discarded_events: [{ reason: 'x', category: 'error', quantity: '3' }] }, 'discarded_events[0].quantity'],
      [{ rate_limited_events: [['x', 'error', MAX_QUANTITY + 1]] }, 'rate_limited_events[0][2]'],
    ];
    for (const [payload, path] of cases) expect(errorOf(payload).path, JSON.stringify(payload)).toBe(path);
    expect(errorOf({ discarded_events: [{ reason: 'x', category: 'error', quantity: 1e12 }] }).message).toBe(
      `discarded_events[0].quantity: expected a whole number from 0 to ${MAX_QUANTITY}, got an integer`,
    );
  });
});
