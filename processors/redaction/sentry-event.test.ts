/**
 * A whole Sentry event, as the `sentry` receiver stores it in a `sentry.event` log record's
 * body: every secret in it goes, wherever it sits, and the rest of the event survives.
 */
import { describe, expect, it } from 'vitest';
import { logsOf, newLogRecord } from '../../pipeline/builders.js';
import { SENTRY_EVENT_NAME } from '../../pipeline/exceptions/issues.js';
import type { AnyValue, LogRecord } from '../../pipeline/model.js';
import { toAnyValue } from '../../pipeline/model-ops.js';
import { redactionProcessor } from './testing.js';

/** A checkout error from a Node.js service, with the secrets such events really carry. */
function checkoutEvent() {
  return {
    event_id: '9b2c4e0f5a8d4c1e9f3b7a6d5c4b3a21',
    timestamp: 1_700_000_123.5,
    platform: 'node',
    level: 'error',
    release: 'shop@2.4.1',
    environment: 'production',
    server_name: 'web-1',
    transaction: 'POST /api/checkout',
    logentry: { message: 'Payment failed for %s', params: ['jane@example.com'], formatted: 'Payment failed for jane@example.com' },
    exception: {
      values: [
        {
          type: 'CardDeclinedError',
          value: 'card 4111 1111 1111 1111 declined for jane@example.com',
          mechanism: { type: 'onuncaughtexception', handled: false },
          stacktrace: {
            frames: [
              { filename: 'node:internal/process/task_queues', function: 'processTicksAndRejections', lineno: 95, in_app: false },
              {
                filename: '/srv/app/src/payments.js',
                abs_path: 'https://deploy:gh_pat_77c1@cdn.example.com/payments.js',
                function: 'charge',
                lineno: 42,
                colno: 17,
                in_app: true,
                context_line: '    const result = await stripe.charge(card, amount);',
                vars: { secret: 'sk_live_51Habc', amount: 4200, card_holder: 'Jane Doe', api_key: 'AKIAIOSFODNN7EXAMPLE', retries: 2 },
              },
            ],
          },
        },
      ],
    },
    breadcrumbs: {
      values: [
        { timestamp: 1_700_000_100, category: 'auth', level: 'info', message: 'user jane@example.com signed in' },
        { timestamp: 1_700_000_110, category: 'http', data: { method: 'GET', url: 'https://shop.example.com/cart?next=/pay&token=tkn_abc', status_code: 200 } },
        { timestamp: 1_700_000_111, category: 'http', data: { method: 'POST', url: 'https://svc:hunter2@internal.example.com/api/v2/charges', status_code: 402 } },
      ],
    },
    request: {
      url: 'https://shop.example.com/api/checkout?coupon=SPRING&access_token=tok_123',
      method: 'POST',
      query_string: 'coupon=SPRING&access_token=tok_123',
      data: { email: 'jane@example.com', password: 'hunter2-secret', card_number: '4111111111111111', items: [{ sku: 'A-1', qty: 2 }] },
      headers: [
        ['Authorization', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.sig'],
        ['Cookie', 'theme=dark; sessionid=sess_9f8e7d; csrftoken=csrf_abc'],
        ['User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) via 10.9.8.7'],
        ['Content-Type', 'application/json'],
      ],
      cookies: { sessionid: 'sess_9f8e7d', theme: 'dark' },
      env: { REMOTE_ADDR: '203.0.113.7', SERVER_NAME: 'web-1' },
    },
    user: { id: '42', username: 'jane', email: 'jane@example.com', ip_address: '203.0.113.7' },
    contexts: {
      os: { name: 'Linux', version: '6.5.0' },
      runtime: { name: 'node', version: 'v20.11.1' },
      payment: { provider: 'stripe', card: '4111-1111-1111-1111', api_token: 'tok_live_xyz' },
      trace: { trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331' },
    },
    tags: [
      ['route', '/api/checkout'],
      ['payment.api_key', 'pk_live_tag'],
    ],
    extra: {
      card: '4111 1111 1111 1111',
      order_number: '4111111111111112',
      note: 'call jane@example.com',
      db_password: 'pg-secret-pw',
      bundle: 'https://deploy:gh_pat_77c1@cdn.example.com/payments.js',
    },
    sdk: { name: 'sentry.javascript.node', version: '8.33.0', client_ip: '203.0.113.7' },
    debug_meta: { images: [{ type: 'sourcemap', code_file: 'https://deploy:gh_pat_77c1@cdn.example.com/payments.js', debug_id: 'c0ffee00-0000-4000-8000-000000000001' }] },
  };
}

const SECRETS = [
  '4111 1111 1111 1111',
  '4111111111111111',
  '4111-1111-1111-1111',
  'jane@example.com',
  'hunter2',
  'sk_live_51Habc',
  'AKIAIOSFODNN7EXAMPLE',
  'tkn_abc',
  'tok_123',
  'eyJhbGciOiJIUzI1NiJ9',
  'sess_9f8e7d',
  'csrf_abc',
  '203.0.113.7',
  'tok_live_xyz',
  'pk_live_tag',
  'pg-secret-pw',
];

const KEPT = [
  '9b2c4e0f5a8d4c1e9f3b7a6d5c4b3a21',
  'shop@2.4.1',
  'POST /api/checkout',
  'CardDeclinedError',
  'processTicksAndRejections',
  '/srv/app/src/payments.js',
  'const result = await stripe.charge(card, amount);',
  'Jane Doe',
  'signed in',
  'coupon=SPRING',
  'theme=dark',
  'Mozilla/5.0',
  'application/json',
  'A-1',
  '4111111111111112',
  '0af7651916cd43dd8448eb211c80319c',
  'sentry.javascript.node',
  '/api/checkout',
];

/** The record as text, every field included (kvlists as objects, int64 as digits). */
const text = (record: LogRecord) =>
  JSON.stringify(record, (_k, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Map ? Object.fromEntries(v) : v instanceof Uint8Array ? [...v] : v));

const get = (v: AnyValue | undefined, ...path: (string | number)[]): AnyValue | undefined =>
  path.reduce<AnyValue | undefined>((at, k) => (at instanceof Map ? at.get(String(k)) : Array.isArray(at) ? at[Number(k)] : undefined), v);

async function redacted(config: Record<string, unknown>, event: object = checkoutEvent()): Promise<LogRecord> {
  const record = newLogRecord({ eventName: SENTRY_EVENT_NAME, body: toAnyValue(event) });
  await redactionProcessor('logs', config).consume(logsOf([record], { 'service.name': 'shop' }));
  return record;
}

const CONFIG = {
  allow_all_keys: true,
  detectors: ['@email', '@creditcard', '@password:filter'],
  data_scrubbing: { scrub_ip_addresses: true },
  summary: 'debug',
};

describe('a Sentry event in a sentry.event log record', () => {
  it('loses every secret, wherever it sits, and keeps what is not secret', async () => {
    const before = text(newLogRecord({ eventName: SENTRY_EVENT_NAME, body: toAnyValue(checkoutEvent()) }));
    for (const s of [...SECRETS, ...KEPT]) expect(before, s).toContain(s);

    const record = await redacted(CONFIG);
    const after = text(record);
    for (const s of SECRETS) expect(after, s).not.toContain(s);
    for (const s of KEPT) expect(after, s).toContain(s);
  });

  it('replaces by the rules: key-named secrets, cards, emails, cookies, bearer headers, URLs', async () => {
    const body = (await redacted(CONFIG)).body;
    expect(get(body, 'request', 'data', 'password')).toBe('[Filtered]');
    expect(get(body, 'request', 'data', 'card_number')).toBe('[creditcard]');
    expect(get(body, 'request', 'headers', 0)).toEqual(['Authorization', '[Filtered]']);
    expect(get(body, 'request', 'headers', 1, 1)).toBe('theme=dark; sessionid=[Filtered]; csrftoken=[Filtered]');
    expect(get(body, 'request', 'cookies')).toEqual(new Map([['sessionid', '[Filtered]'], ['theme', 'dark']]));
    expect(get(body, 'request', 'query_string')).toBe('coupon=SPRING&access_token=[Filtered]');
    expect(get(body, 'request', 'url')).toBe('https://shop.example.com/api/checkout?coupon=SPRING&access_token=[Filtered]');
    expect(get(body, 'exception', 'values', 0, 'value')).toBe('card [creditcard] declined for [email]');
    expect(get(body, 'exception', 'values', 0, 'stacktrace', 'frames', 1, 'vars')).toEqual(
      toAnyValue({ secret: '[Filtered]', amount: 4200, card_holder: 'Jane Doe', api_key: '[Filtered]', retries: 2 }),
    );
    expect(get(body, 'breadcrumbs', 'values', 0, 'message')).toBe('user [email] signed in');
    expect(get(body, 'breadcrumbs', 'values', 1, 'data', 'url')).toBe('https://shop.example.com/cart?next=/pay&token=[Filtered]');
    // detectors run in the order listed, before the data scrubbing: @email took `hunter2@internal.example.com`
    expect(get(body, 'breadcrumbs', 'values', 2, 'data', 'url')).toBe('https://svc:[email]/api/v2/charges');
    expect(get(body, 'logentry')).toEqual(toAnyValue({ message: 'Payment failed for %s', params: ['[email]'], formatted: 'Payment failed for [email]' }));
    expect(get(body, 'contexts', 'payment')).toEqual(toAnyValue({ provider: 'stripe', card: '[creditcard]', api_token: '[Filtered]' }));
    expect(get(body, 'tags')).toEqual(toAnyValue([['route', '/api/checkout'], ['payment.api_key', '[Filtered]']]));
    expect(get(body, 'extra')).toEqual(
      toAnyValue({
        card: '[creditcard]',
        order_number: '4111111111111112',
        note: 'call [email]',
        db_password: '[Filtered]',
        bundle: 'https://deploy:[email]/payments.js',
      }),
    );
    expect(get(body, 'user')).toEqual(toAnyValue({ id: '42', username: 'jane', email: '[email]' }));
  });

  it('data scrubbing leaves what Sentry leaves: frame paths, debug images, the User-Agent header', async () => {
    const body = (await redacted({ allow_all_keys: true, data_scrubbing: { scrub_ip_addresses: true } })).body;
    const frame = get(body, 'exception', 'values', 0, 'stacktrace', 'frames', 1);
    expect(get(frame, 'abs_path')).toBe('https://deploy:gh_pat_77c1@cdn.example.com/payments.js');
    expect(get(body, 'debug_meta', 'images', 0, 'code_file')).toBe('https://deploy:gh_pat_77c1@cdn.example.com/payments.js');
    expect(get(body, 'request', 'headers', 2, 1)).toBe('Mozilla/5.0 (X11; Linux x86_64) via 10.9.8.7');
    // ... while the same value elsewhere is scrubbed
    expect(get(body, 'extra', 'bundle')).toBe('https://deploy:[Filtered]@cdn.example.com/payments.js');
    expect(get(body, 'breadcrumbs', 'values', 2, 'data', 'url')).toBe('https://svc:[Filtered]@internal.example.com/api/v2/charges');
    // IP fields are removed, IPs in text replaced; emails stay but in messages
    expect(get(body, 'user')).toEqual(toAnyValue({ id: '42', username: 'jane', email: 'jane@example.com' }));
    expect(get(body, 'request', 'env')).toEqual(toAnyValue({ SERVER_NAME: 'web-1' }));
    expect(get(body, 'sdk', 'client_ip')).toBeUndefined();
    expect(get(body, 'logentry', 'formatted')).toBe('Payment failed for [email]');
    expect(get(body, 'logentry', 'params', 0)).toBe('jane@example.com');
  });

  it('explicit detectors apply everywhere, exempt fields included, as Relay’s advanced rules do', async () => {
    const body = (await redacted({ allow_all_keys: true, detectors: ['@urlauth'] })).body;
    expect(get(body, 'exception', 'values', 0, 'stacktrace', 'frames', 1, 'abs_path')).toBe('https://[auth]@cdn.example.com/payments.js');
    expect(get(body, 'debug_meta', 'images', 0, 'code_file')).toBe('https://[auth]@cdn.example.com/payments.js');
  });

  it('lists the scrubbed paths in the body summary', async () => {
    const record = await redacted(CONFIG);
    const masked = String(record.attributes.get('redaction.body.masked.keys')).split(',');
    expect(masked).toEqual(expect.arrayContaining(['request.data.password', 'extra.card', 'exception.values.[0].value', 'request.headers.[0].Authorization']));
    expect(String(record.attributes.get('redaction.body.redacted.keys')).split(',').sort()).toEqual(['request.env.REMOTE_ADDR', 'sdk.client_ip', 'user.ip_address']);
  });

  it('is a log body like any other for upstream’s keys: without allow_all_keys, keys not allowed go', async () => {
    const body = (await redacted({ allowed_keys: ['event_id', 'exception', 'values', 'type', 'value'], detectors: ['@creditcard'] })).body;
    expect(body).toEqual(toAnyValue({ event_id: '9b2c4e0f5a8d4c1e9f3b7a6d5c4b3a21', exception: { values: [{ type: 'CardDeclinedError', value: 'card [creditcard] declined for jane@example.com' }] } }));
  });

  it('a hostile event (deep nesting, odd shapes) is scrubbed without errors', async () => {
    let deep: unknown = { password: 'deep-secret' };
    for (let i = 0; i < 200; i++) deep = i % 2 ? { next: deep } : [deep, 'x', 1];
    const event = { extra: deep, request: { headers: 'Authorization: Bearer raw-string-headers', cookies: 17, data: [['password'], ['a', 'b', 'c'], [null, 'x']] } };
    const record = await redacted(CONFIG, event);
    expect(text(record)).not.toContain('deep-secret');
    expect(text(record)).not.toContain('raw-string-headers');
  });
});
