import { describe, expect, it } from 'vitest';
import { SENTRY_EVENT_NAME } from '../../../pipeline/exceptions/issues.js';
import { fromAnyValue } from '../../../pipeline/model-ops.js';
import { mapEvent } from './event.js';
import { ItemError, type ItemContext } from './types.js';
import { timestampNs } from './payload.js';

const ctx: ItemContext = {
  projectId: '42',
  projectName: 'checkout',
  receivedAtMs: 1_700_000_000_123,
  envelopeHeader: { event_id: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', sdk: { name: 'sentry.python', version: '2.19.0' } },
  itemHeader: { type: 'event' },
  clientAddress: '203.0.113.9',
};

const recordOf = (event: unknown) => mapEvent(event, ctx).logs!.resourceLogs[0].scopeLogs[0].logRecords[0];

/** A Python SDK error event, as sentry-python sends one (trimmed). */
const pythonEvent = {
  event_id: 'c8a1bd1ef5a14b9e9d3b5ae6ba6a9b50',
  timestamp: '2024-05-01T12:30:45.123456Z',
  platform: 'python',
  level: 'error',
  release: 'shop@2.0.1',
  environment: 'production',
  server_name: 'web-3',
  user: { id: 17, ip_address: '{{auto}}', username: 'ada', name: 'Ada Lovelace' },
  exception: {
    values: [
      {
        type: 'KeyError',
        value: "'sku'",
        module: null,
        mechanism: { type: 'django', handled: false },
        stacktrace: {
          frames: [
            { filename: 'shop/views.py', abs_path: '/app/shop/views.py', function: 'checkout', module: 'shop.views', lineno: 42, in_app: true, context_line: '    item = cart["sku"]', vars: { cart: {} } },
          ],
        },
      },
    ],
  },
  contexts: { trace: { trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331', op: 'http.server' }, runtime: { name: 'CPython', version: '3.12.3' } },
  breadcrumbs: { values: [{ timestamp: 1714566644.5, category: 'query', message: 'SELECT 1', level: 'info' }] },
  tags: { 'http.status_code': '500' },
  extra: { big: 12345678901234567890, ratio: 0.25, negative: -3, empty: {}, list: [], nothing: null, __proto__x: 1 },
  sdk: { name: 'sentry.python.django', version: '2.19.0', packages: [{ name: 'pypi:sentry-sdk', version: '2.19.0' }] },
};

describe('event mapper', () => {
  it('maps a Python error event to a record with the semconv and sentry attributes', () => {
    const r = recordOf(pythonEvent);
    expect(r.eventName).toBe(SENTRY_EVENT_NAME);
    expect(Object.fromEntries(r.attributes)).toEqual({
      'exception.type': 'KeyError',
      'exception.message': "'sku'",
      'exception.stacktrace': expect.stringMatching(/^Traceback \(most recent call last\):\n {2}File "\/app\/shop\/views.py", line 42, in checkout\n/),
      'service.version': 'shop@2.0.1',
      'deployment.environment.name': 'production',
      'user.id': '17',
      'user.name': 'ada',
      'user.full_name': 'Ada Lovelace',
      'client.address': '203.0.113.9',
      'host.name': 'web-3',
      'sentry.project.id': '42',
      'sentry.event_id': 'c8a1bd1ef5a14b9e9d3b5ae6ba6a9b50',
      'sentry.platform': 'python',
      'sentry.sdk.name': 'sentry.python.django',
      'sentry.sdk.version': '2.19.0',
      'sentry.level': 'error',
    });
    expect(r.timeUnixNano).toBe(1714566645123456000n);
    expect(r.observedTimeUnixNano).toBe(1_700_000_000_123_000_000n);
    expect([r.traceId, r.spanId]).toEqual(['0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331']);
    expect([r.severityNumber, r.severityText]).toEqual([17, 'error']);
  });

  it('gives the event back unchanged from the body, whatever its JSON holds', () => {
    const odd = JSON.parse('{"__proto__": {"polluted": true}, "message": "naïve 🚀", "n": 1e300, "f": -0.5, "deep": [[[{"a": [null, true, "x"]}]]]}');
    for (const event of [pythonEvent, odd, JSON.parse(JSON.stringify(pythonEvent))]) {
      const back = fromAnyValue(recordOf(event).body);
      expect(JSON.stringify(back)).toBe(JSON.stringify(event));
      expect(back).toEqual(JSON.parse(JSON.stringify(event)));
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('falls back to the envelope for the id and sdk, to received time, and to level error', () => {
    const r = recordOf({ message: 'bare' });
    expect(r.attributes.get('sentry.event_id')).toBe('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
    expect(r.attributes.get('sentry.sdk.name')).toBe('sentry.python');
    expect(r.attributes.get('sentry.platform')).toBe('other');
    expect(r.timeUnixNano).toBe(1_700_000_000_123_000_000n);
    expect(r.severityNumber).toBe(17);
    expect([r.traceId, r.spanId]).toEqual(['', '']);
    expect(r.attributes.has('exception.type')).toBe(false);
  });

  it('reads levels in the spellings Relay takes', () => {
    const levels = ['debug', 'info', 'log', 'warning', 'warn', 'error', 'fatal', 'critical', 'WARNING'].map((level) => recordOf({ level }).severityText);
    expect(levels).toEqual(['debug', 'info', 'info', 'warning', 'warning', 'error', 'fatal', 'fatal', 'warning']);
  });

  it('throws an ItemError naming the field for values Relay refuses', () => {
    const err = (event: unknown) => {
      try {
        mapEvent(event, ctx);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    expect(err({ event_id: 'nope' })).toMatchObject({ path: 'event_id' });
    expect(err({ level: 3 })).toBeInstanceOf(ItemError);
    expect(err({ timestamp: 'soon' })).toMatchObject({ path: 'timestamp' });
    expect(err('just a string')).toMatchObject({ path: 'event' });
  });
});

describe('timestamps', () => {
  it('reads seconds and RFC 3339 date-times to the nanosecond, naive ones as UTC', () => {
    expect(timestampNs(1714566645.5, 'timestamp')).toBe(1714566645500000000n);
    expect(timestampNs('2024-05-01T12:30:45Z', 'timestamp')).toBe(1714566645000000000n);
    expect(timestampNs('2024-05-01T12:30:45.123456789Z', 'timestamp')).toBe(1714566645123456789n);
    expect(timestampNs('2024-05-01T12:30:45', 'timestamp')).toBe(1714566645000000000n);
    expect(timestampNs('2024-05-01T14:30:45+02:00', 'timestamp')).toBe(1714566645000000000n);
    for (const bad of ['yesterday', -1, Infinity, '2024-13-01T00:00:00Z', true, null]) expect(() => timestampNs(bad, 'timestamp')).toThrow(ItemError);
  });
});
