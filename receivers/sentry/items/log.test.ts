import { beforeAll, describe, expect, it } from 'vitest';
import type { LogRecord, Logs } from '../../../pipeline/model.js';
import { Sentry, contextFor, itemsOfType, nsFromText, numberTexts, sdkItems, type SdkItem , mapperError } from '../../../test/sentry-sdk.js';
import { mapLogs } from './log.js';
import { type ItemContext } from './types.js';

const ctx: ItemContext = { projectId: '42', projectName: 'checkout', receivedAtMs: 1_700_000_100_000, envelopeHeader: {}, itemHeader: { type: 'log' } };

function recordsOf(logs: Logs | undefined): LogRecord[] {
  return logs!.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords));
}

function log(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return { timestamp: 1700000000.25, level: 'info', body: 'hello', trace_id: '5b8efff798038103d269b633813fc60c', ...patch };
}

const errorOf = (payload: unknown) => mapperError(mapLogs, payload, ctx);

describe('log items from @sentry/node', () => {
  let item: SdkItem;
  let sentryTrace = '';

  beforeAll(async () => {
    // @sentry/node 11 sends logs without being asked (`enableLogs` is gone)
    const items = await sdkItems({ tracesSampleRate: 1, traceLifecycle: 'static' }, () => {
      Sentry.startSpan({ name: 'checkout', op: 'function' }, () => {
        sentryTrace = Sentry.getTraceData()['sentry-trace'] ?? '';
        Sentry.logger.info(Sentry.logger.fmt`user ${'bob'} logged in`, { count: 3, price: 2.5, ok: true });
      });
      Sentry.logger.warn('cart abandoned');
    });
    [item] = itemsOfType(items, 'log');
  });

  it('is a container with one entry per log, as the receiver gets it', () => {
    expect(item.header).toMatchObject({ type: 'log', content_type: 'application/vnd.sentry.items.log+json', item_count: 2 });
  });

  it('maps each log to a record: body, severity, time, trace and span, typed attributes', () => {
    const [info, warn] = recordsOf(mapLogs(item.payload, contextFor(item, 1_800_000_000_123)).logs);
    const [traceIdHex, spanIdHex] = sentryTrace.split('-');
    const times = numberTexts(item.text, 'timestamp');

    expect([info.body, info.severityText, info.severityNumber]).toEqual(['user bob logged in', 'info', 9]);
    expect([warn.body, warn.severityText, warn.severityNumber]).toEqual(['cart abandoned', 'warn', 13]);
    expect([info.timeUnixNano, warn.timeUnixNano]).toEqual(times.map(nsFromText));
    expect(info.observedTimeUnixNano).toBe(1_800_000_000_123_000_000n);
    expect([info.traceId, info.spanId]).toEqual([traceIdHex, spanIdHex]);
    expect(info.attributes.has('sentry.trace.parent_span_id')).toBe(false);

    expect(info.attributes.get('count')).toBe(3n);
    expect(info.attributes.get('price')).toBe(2.5);
    expect(info.attributes.get('ok')).toBe(true);
    expect(info.attributes.get('sentry.message.template')).toBe('user %s logged in');
    expect(info.attributes.get('sentry.message.parameter.0')).toBe('bob');
  });

  it('moves release, environment and SDK to the resource', () => {
    const { resourceLogs } = mapLogs(item.payload, contextFor(item)).logs!;
    expect(resourceLogs).toHaveLength(1);
    const resource = Object.fromEntries(resourceLogs[0].resource.attributes);
    expect(resource).toEqual({
      'service.name': 'checkout',
      'service.version': 'checkout@2.4.1',
      'deployment.environment.name': 'production',
      'sentry.project.id': '42',
      'telemetry.sdk.name': 'sentry.javascript.node',
      'telemetry.sdk.version': expect.stringMatching(/^11\./),
    });
    for (const r of recordsOf({ resourceLogs })) {
      expect([...r.attributes.keys()].filter((k) => /^sentry\.(release|environment|sdk\.)/.test(k))).toEqual([]);
    }
  });
});

describe('log mapping', () => {
  it('keeps int64 attributes sent as decimal text exactly, and unknown attribute types by their JSON value', () => {
    const [r] = recordsOf(
      mapLogs(
        { items: [log({ attributes: { big: { type: 'integer', value: '1544712660300000000' }, tags: { type: 'array', value: ['a', 'b'] } } })] },
        ctx,
      ).logs,
    );
    expect(r.attributes.get('big')).toBe(1544712660300000000n);
    expect(r.attributes.get('tags')).toEqual(['a', 'b']);
  });

  it('takes severity_number over the level, and gives an unknown level severity 0', () => {
    const [a, b] = recordsOf(mapLogs({ items: [log({ level: 'notice' }), log({ level: 'info', severity_number: 10 })] }, ctx).logs);
    expect([a.severityText, a.severityNumber]).toEqual(['notice', 0]);
    expect([b.severityText, b.severityNumber]).toEqual(['info', 10]);
  });

  it('groups logs by the service they describe', () => {
    const release = (v: string) => ({ attributes: { 'sentry.release': { type: 'string', value: v } } });
    const { resourceLogs } = mapLogs({ items: [log(release('a@1')), log(release('b@1')), log(release('a@1'))] }, ctx).logs!;
    expect(resourceLogs.map((rl) => [rl.resource.attributes.get('service.version'), rl.scopeLogs[0].logRecords.length])).toEqual([
      ['a@1', 2],
      ['b@1', 1],
    ]);
  });

  it('falls back to the envelope header for the SDK, and maps an empty container to nothing', () => {
    const withSdk = { ...ctx, envelopeHeader: { sdk: { name: 'sentry.python', version: '2.40.0' } } };
    const resource = mapLogs({ items: [log()] }, withSdk).logs!.resourceLogs[0].resource.attributes;
    expect([resource.get('telemetry.sdk.name'), resource.get('telemetry.sdk.version')]).toEqual(['sentry.python', '2.40.0']);
    expect(mapLogs({ version: 2, items: [] }, ctx)).toEqual({});
  });

  it('refuses malformed logs, naming the field', () => {
    const cases: [unknown, string][] = [
      [[log()], '(payload)'],
      [{ logs: [log()] }, 'items'],
      [{ items: [log(), 'text'] }, 'items[1]'],
      [{ items: [log({ body: undefined })] }, 'items[0].body'],
      [{ items: [log({ level: undefined })] }, 'items[0].level'],
      [{ items: [log({ timestamp: undefined })] }, 'items[0].timestamp'],
      [{ items: [log(), log({ trace_id: 'xyz' })] }, 'items[1].trace_id'],
      [{ items: [log({ severity_number: 30 })] }, 'items[0].severity_number'],
      [{ items: [log({ attributes: { count: { type: 'integer', value: 2.5 } } })] }, 'items[0].attributes.count.value'],
      [{ items: [log({ attributes: { count: { type: 'integer', value: '99999999999999999999' } } })] }, 'items[0].attributes.count.value'],
      [{ items: [log({ attributes: { ok: { type: 'boolean', value: 'yes' } } })] }, 'items[0].attributes.ok.value'],
      [{ items: [log({ attributes: { ratio: { type: 'double', value: '0.5' } } })] }, 'items[0].attributes.ratio.value'],
      [{ items: [log({ attributes: { name: 'bare value' } })] }, 'items[0].attributes.name'],
      [{ items: [log({ attributes: { 'sentry.trace.parent_span_id': { type: 'string', value: 'short' } } })] }, 'items[0].attributes.sentry.trace.parent_span_id'],
    ];
    for (const [payload, path] of cases) expect(errorOf(payload).path, JSON.stringify(payload)).toBe(path);
  });
});
