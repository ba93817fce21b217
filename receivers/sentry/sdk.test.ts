/**
 * The real @sentry/node SDK, initialised as an app would (`Sentry.init({ dsn })`, default
 * transport and integrations), sending to the receiver on loopback: what it captures arrives
 * as log records that give the event back unchanged, and what the receiver answers (auth
 * failures, rate limits) is what the SDK acts on.
 */
import * as Sentry from '@sentry/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SENTRY_EVENT_NAME } from '../../pipeline/exceptions/issues.js';
import type { LogRecord, Logs } from '../../pipeline/model.js';
import { fromAnyValue } from '../../pipeline/model-ops.js';
import { counterValue, KEY, OTHER_KEY, startReceiver, stopReceivers, type Harness } from '../../test/sentry-helpers.js';
import { recordingTransport } from '../../test/sentry-sdk.js';

/** A second SDK client beside the global one, for another DSN (Sentry's "shared environments" pattern). */
function extraClient(dsn: string, log: Parameters<typeof recordingTransport>[0]): { scope: Sentry.Scope; client: Sentry.NodeClient } {
  const client = new Sentry.NodeClient({ dsn, transport: recordingTransport(log), stackParser: Sentry.defaultStackParser, integrations: [], sendClientReports: true });
  const scope = new Sentry.Scope();
  scope.setClient(client);
  client.init();
  return { scope, client };
}

const records = (logs: Logs[]): LogRecord[] => logs.flatMap((l) => l.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords)));

let h: Harness;
const sent: Parameters<typeof recordingTransport>[0] = [];

beforeAll(async () => {
  h = await startReceiver();
  Sentry.init({ dsn: h.dsn(), transport: recordingTransport(sent), release: 'checkout@1.2.3', environment: 'staging' });
});
afterAll(async () => {
  await Sentry.close(2000);
  await stopReceivers();
});

function eventsSent(): Record<string, unknown>[] {
  return sent.flatMap((s) => s.items.filter(([type]) => type === 'event').map(([, payload]) => payload as Record<string, unknown>));
}

describe('@sentry/node sending to the sentry receiver', () => {
  it('captureException becomes one log record with the exception, project, release and user attributes', async () => {
    Sentry.setUser({ id: 'u-17', email: 'ada@example.com', username: 'ada', ip_address: '{{auto}}' });
    Sentry.setTag('region', 'eu-west-1');
    Sentry.addBreadcrumb({ category: 'cart', message: 'added item', data: { sku: 'A-1', qty: 2 } });
    const cause = new TypeError('card declined');
    Sentry.captureException(new Error('checkout failed', { cause }));
    await Sentry.flush(5000);
    Sentry.setUser(null);

    const [record] = records(h.logs()).filter((r) => (r.body as Map<string, unknown>).get('event_id') === eventsSent()[0].event_id);
    const event = eventsSent()[0];
    expect(record.eventName).toBe(SENTRY_EVENT_NAME);
    const a = Object.fromEntries(record.attributes);
    expect(a).toMatchObject({
      'exception.type': 'Error',
      'exception.message': 'checkout failed',
      'service.version': 'checkout@1.2.3',
      'deployment.environment.name': 'staging',
      'user.id': 'u-17',
      'user.email': 'ada@example.com',
      'user.name': 'ada',
      'client.address': '127.0.0.1',
      'sentry.project.id': '42',
      'sentry.event_id': event.event_id,
      'sentry.platform': 'node',
      'sentry.sdk.name': 'sentry.javascript.node',
      'sentry.sdk.version': Sentry.SDK_VERSION,
      'sentry.level': 'error',
    });
    // V8's own text of the raised error (V8 prints no causes; the body keeps the linked TypeError)
    expect(a['exception.stacktrace']).toMatch(/^Error: checkout failed\n {4}at .*sdk\.test\.ts:\d+:\d+/);
    const values = (event.exception as { values: { type: string }[] }).values;
    expect(values.map((v) => v.type)).toEqual(['TypeError', 'Error']);
    expect(record.severityNumber).toBe(17);
    expect(record.severityText).toBe('error');
    expect(record.timeUnixNano).toBe(BigInt(Math.round((event.timestamp as number) * 1e6)) * 1000n);
    const trace = (event.contexts as { trace: { trace_id: string; span_id: string } }).trace;
    expect(record.traceId).toBe(trace.trace_id);
    expect(record.spanId).toBe(trace.span_id);
    const resource = h.logs().flatMap((l) => l.resourceLogs).find((rl) => rl.scopeLogs.some((sl) => sl.logRecords.includes(record)))!.resource;
    expect(Object.fromEntries(resource.attributes)).toEqual({ 'service.name': 'checkout', 'sentry.project.id': '42' });
  });

  it('keeps every event whole: the record body converts back to the exact JSON the SDK sent', async () => {
    Sentry.withScope((scope) => {
      scope.setContext('order', { id: 991, total: 12.5, items: [{ sku: 'A-1', qty: 2 }], gift: false, note: null });
      scope.setExtra('unicode', 'naïve — 🚀');
      scope.setFingerprint(['{{ default }}', 'checkout']);
      Sentry.captureException(new RangeError('quantity out of range'));
    });
    Sentry.captureMessage('inventory low', 'warning');
    await Sentry.flush(5000);
    const events = eventsSent();
    expect(events.length).toBeGreaterThanOrEqual(3);
    const byId = new Map(records(h.logs()).map((r) => [(r.body as Map<string, unknown>).get('event_id'), r]));
    for (const event of events) {
      const record = byId.get(event.event_id)!;
      expect(fromAnyValue(record.body)).toEqual(event);
      expect(JSON.stringify(fromAnyValue(record.body))).toBe(JSON.stringify(event));
    }
    const message = byId.get(events.find((e) => e.message === 'inventory low')!.event_id)!;
    expect(message.severityNumber).toBe(13);
    expect(message.attributes.get('sentry.level')).toBe('warning');
    expect(message.attributes.has('exception.type')).toBe(false);
  });

  it('sees 403 for a key of another project and for an unknown project, and nothing is stored', async () => {
    const before = h.received.length;
    for (const dsn of [h.dsn(OTHER_KEY, '42'), h.dsn(KEY, '99'), h.dsn('00000000000000000000000000000000', '42')]) {
      const log: Parameters<typeof recordingTransport>[0] = [];
      const { scope, client } = extraClient(dsn, log);
      scope.captureException(new Error('not for this project'));
      await client.flush(5000);
      await client.close();
      expect(log.map((l) => l.statusCode)).toEqual([403]);
    }
    expect(h.received.length).toBe(before);
  });

  it('the SDK honours a rate limit: after a 429 for errors it stops sending them and reports them dropped', async () => {
    const limited = await startReceiver({ projects: [{ id: '42', name: 'checkout', keys: [KEY], rate_limits: [{ category: 'error', per_minute: 0 }] }] });
    const log: Parameters<typeof recordingTransport>[0] = [];
    const { scope, client } = extraClient(limited.dsn(), log);
    scope.captureException(new Error('first'));
    await client.flush(5000);
    scope.captureException(new Error('second'));
    scope.captureMessage('third');
    await client.flush(5000);
    await client.close(5000);

    const eventSends = log.filter((l) => l.items.some(([type]) => type === 'event'));
    // the first was answered 429; the SDK then sent neither of the others (no status: never on the wire)
    expect(eventSends.map((l) => l.statusCode)).toEqual([429, undefined, undefined]);
    expect(limited.received).toEqual([]);
    const reports = log.flatMap((l) => l.items.filter(([type]) => type === 'client_report').map(([, p]) => p as { discarded_events: { reason: string; category: string; quantity: number }[] }));
    expect(reports.flatMap((r) => r.discarded_events)).toContainEqual({ reason: 'ratelimit_backoff', category: 'error', quantity: 2 });
    expect(await counterValue(limited.telemetry, 'otelcol_receiver_refused_sentry_items_total', { item_type: 'event', reason: 'rate_limited' })).toBe(1);
    expect(await counterValue(limited.telemetry, 'otelcol_receiver_accepted_sentry_items_total', { item_type: 'client_report', stored: 'false' })).toBeGreaterThanOrEqual(1);
  });
});
