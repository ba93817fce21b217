/**
 * Raw HTTP against the receiver on loopback: every form of auth Relay takes, the store
 * endpoint's encodings, compression, CORS, size limits, malformed envelopes, rate limits,
 * pipeline pushback and admission — each answered as Relay answers.
 */
import { request } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { permanentError, retryableError } from '../../pipeline/errors.js';
import type { LogRecord } from '../../pipeline/model.js';
import { authHeader, counterValue, envelope, KEY, OTHER_KEY, post, startReceiver, stopReceivers } from '../../test/sentry-helpers.js';
import { countTurns, strictlyIncreasing } from '../../pipeline/testing.js';
import { SLICE_ITEMS } from './server.js';

afterEach(stopReceivers);

const EVENT_ID = '9ec79c33ec9942ab8353589fcb2e04dc';
const event = (extra: object = {}) => ({ event_id: EVENT_ID, message: 'hello', level: 'error', platform: 'python', ...extra });
const ENVELOPE_PATH = '/api/42/envelope/';
const oneEvent = (header: object = { event_id: EVENT_ID }) => envelope(header, [{ payload: event() }]);
const bodies = (h: { logs(): { resourceLogs: { scopeLogs: { logRecords: LogRecord[] }[] }[] }[] }) =>
  h.logs().flatMap((l) => l.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords.map((r) => r.body))));

describe('auth', () => {
  it('takes the key from X-Sentry-Auth, Authorization: Sentry, Basic, the query string, or the envelope dsn', async () => {
    const h = await startReceiver();
    const dsnOnly = envelope({ event_id: EVENT_ID, dsn: `http://${KEY}@localhost:9000/42` }, [{ payload: event() }]);
    const answers = await Promise.all([
      post(h.address, ENVELOPE_PATH, oneEvent(), authHeader()),
      post(h.address, ENVELOPE_PATH, oneEvent(), { authorization: `Sentry sentry_key=${KEY}, sentry_version=7` }),
      post(h.address, ENVELOPE_PATH, oneEvent(), { authorization: `Basic ${Buffer.from(`${KEY}:`).toString('base64')}` }),
      post(h.address, `${ENVELOPE_PATH}?sentry_key=${KEY}&sentry_version=7&sentry_client=sentry.python/2.0`, oneEvent()),
      post(h.address, ENVELOPE_PATH, dsnOnly),
      // a key with Relay's flags after a dot
      post(h.address, `${ENVELOPE_PATH}?sentry_key=${KEY}.no-cache`, oneEvent()),
    ]);
    for (const a of answers) expect([a.status, a.json()]).toEqual([200, { id: EVENT_ID }]);
    expect(bodies(h)).toHaveLength(6);
  });

  it('answers 401 without credentials, with two forms, or with a bad envelope dsn', async () => {
    const h = await startReceiver();
    const none = await post(h.address, ENVELOPE_PATH, oneEvent());
    expect([none.status, none.json().detail]).toEqual([401, 'bad envelope authentication header']);
    const two = await post(h.address, `${ENVELOPE_PATH}?sentry_key=${KEY}`, oneEvent(), authHeader());
    expect([two.status, two.json().detail]).toEqual([401, 'multiple authorization payloads detected']);
    const badDsn = await post(h.address, ENVELOPE_PATH, envelope({ dsn: 'not a dsn' }, [{ payload: event() }]));
    expect([badDsn.status, badDsn.json()]).toEqual([401, { detail: 'bad envelope authentication header', causes: ['dsn: not a URL'] }]);
    const store = await post(h.address, '/api/42/store/', JSON.stringify(event()));
    expect([store.status, store.json().detail]).toEqual([401, 'missing authorization information']);
    const noKey = await post(h.address, ENVELOPE_PATH, oneEvent(), { 'x-sentry-auth': 'Sentry sentry_version=7' });
    expect([noKey.status, noKey.json()]).toEqual([401, { detail: 'bad x-sentry-auth header', causes: ['missing public key in auth header'] }]);
    expect(h.received).toEqual([]);
  });

  it('answers 400 for a malformed key, a newer protocol, or a dsn that disagrees with the request', async () => {
    const h = await startReceiver();
    const short = await post(h.address, ENVELOPE_PATH, oneEvent(), authHeader('abc'));
    expect([short.status, short.json().detail]).toEqual([400, 'bad sentry DSN public key']);
    const v8 = await post(h.address, ENVELOPE_PATH, oneEvent(), { 'x-sentry-auth': `Sentry sentry_key=${KEY}, sentry_version=8` });
    expect([v8.status, v8.json().detail]).toEqual([400, 'unsupported protocol version (8)']);
    const otherKey = await post(h.address, ENVELOPE_PATH, envelope({ dsn: `http://${OTHER_KEY}@x/42` }, [{ payload: event() }]), authHeader());
    expect([otherKey.status, otherKey.json().causes]).toEqual([400, ['public key header mismatch between envelope and request']]);
    const otherProject = await post(h.address, ENVELOPE_PATH, envelope({ dsn: `http://${KEY}@x/7` }, [{ payload: event() }]));
    expect([otherProject.status, otherProject.json().causes]).toEqual([400, ['project id header mismatch between envelope and request']]);
    const badPath = await post(h.address, '/api/abc/envelope/', oneEvent(), authHeader());
    expect([badPath.status, badPath.json().detail]).toEqual([400, 'bad project path parameter']);
  });

  it('answers 403 for an unknown project or a key of another project, before reading the body', async () => {
    const h = await startReceiver();
    const unknown = await post(h.address, '/api/99/envelope/', oneEvent(), authHeader());
    expect([unknown.status, unknown.json()]).toEqual([403, { detail: 'event submission rejected with_reason: ProjectId', causes: ['project 99 is not configured'] }]);
    const wrong = await post(h.address, ENVELOPE_PATH, oneEvent(), authHeader(OTHER_KEY));
    expect([wrong.status, wrong.json().causes]).toEqual([403, ["the key is not one of project 42's keys"]]);
    expect(wrong.headers.connection).toBe('close');
    // no answer quotes a key
    expect(JSON.stringify([unknown.json(), wrong.json()])).not.toContain(OTHER_KEY);
  });
});

describe('store endpoint', () => {
  it('takes a JSON event, its base64, and the base64 of its zlib deflate, answering its id', async () => {
    const h = await startReceiver();
    const json = JSON.stringify(event());
    for (const body of [json, Buffer.from(json).toString('base64'), deflateSync(json).toString('base64')]) {
      const a = await post(h.address, '/api/42/store/', body, { ...authHeader(), 'content-type': 'application/octet-stream' });
      expect([a.status, a.json()]).toEqual([200, { id: EVENT_ID }]);
    }
    expect(bodies(h).map((b) => (b as Map<string, unknown>).get('message'))).toEqual(['hello', 'hello', 'hello']);
  });

  it('makes up an id for an event without one; a malformed transaction is dropped and counted, and the request still answered 200 as Relay does', async () => {
    const h = await startReceiver();
    const a = await post(h.address, '/api/42/store/', JSON.stringify({ message: 'no id' }), authHeader());
    expect(a.status).toBe(200);
    expect(a.json().id).toMatch(/^[0-9a-f]{32}$/);
    expect((h.logs()[0].resourceLogs[0].scopeLogs[0].logRecords[0].attributes.get('sentry.event_id'))).toBe(a.json().id);
    const t = await post(h.address, '/api/42/store/', JSON.stringify({ type: 'transaction', event_id: EVENT_ID, spans: [] }), authHeader());
    expect([t.status, t.json()]).toEqual([200, { id: EVENT_ID }]);
    expect(await counterValue(h.telemetry, 'otelcol_receiver_refused_sentry_items_total', { item_type: 'transaction', reason: 'invalid' })).toBe(1);
  });

  it('answers 400 for a body that is neither JSON nor its base64', async () => {
    const h = await startReceiver();
    const a = await post(h.address, '/api/42/store/', 'SECRET-not-base64!', authHeader());
    expect([a.status, a.json().detail]).toEqual([400, 'invalid request body']);
    expect(a.body).not.toContain('SECRET');
    const b = await post(h.address, '/api/42/store/', '{"event_id": "nope"}', authHeader());
    expect([b.status, b.json()]).toEqual([400, { detail: 'invalid JSON data', causes: ['event_id: expected a UUID (32 hexadecimal digits, hyphens allowed)'] }]);
  });
});

describe('transport', () => {
  it('decompresses gzip, deflate and br, and reads chunked bodies', async () => {
    const h = await startReceiver();
    const body = oneEvent();
    for (const [encoding, bytes] of [['gzip', gzipSync(body)], ['x-gzip', gzipSync(body)], ['deflate', deflateSync(body)], ['br', brotliCompressSync(body)]] as const) {
      const a = await post(h.address, ENVELOPE_PATH, bytes, { ...authHeader(), 'content-encoding': encoding });
      expect([encoding, a.status]).toEqual([encoding, 200]);
    }
    const chunked = await new Promise<number>((resolve, reject) => {
      const [host, port] = h.address.split(':');
      const req = request({ host, port: Number(port), path: ENVELOPE_PATH, method: 'POST', headers: authHeader() }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.write(body.subarray(0, 20));
      setTimeout(() => req.end(body.subarray(20)), 20);
    });
    expect(chunked).toBe(200);
    expect(bodies(h)).toHaveLength(5);
  });

  it('answers a CORS preflight as Relay does and takes the text/plain bodies browser SDKs send', async () => {
    const h = await startReceiver();
    const pre = await post(h.address, ENVELOPE_PATH, '', { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' }, 'OPTIONS');
    expect(pre.status).toBe(200);
    expect(pre.headers).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'POST',
      'access-control-max-age': '3600',
    });
    expect(String(pre.headers['access-control-allow-headers']).split(',')).toEqual(expect.arrayContaining(['x-sentry-auth', 'content-type', 'content-encoding', 'authorization']));
    const a = await post(h.address, `${ENVELOPE_PATH}?sentry_key=${KEY}&sentry_version=7`, oneEvent(), { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://shop.example' });
    expect(a.status).toBe(200);
    expect(a.headers['access-control-allow-origin']).toBe('*');
    expect(a.headers['access-control-expose-headers']).toBe('x-sentry-error,x-sentry-rate-limits,retry-after');
  });

  it('answers 404 elsewhere and 405 for other methods', async () => {
    const h = await startReceiver();
    expect((await post(h.address, '/api/42/minidump/', 'x', authHeader())).status).toBe(404);
    const get = await post(h.address, ENVELOPE_PATH, '', authHeader(), 'GET');
    expect([get.status, get.headers.allow]).toEqual([405, 'POST']);
  });
});

describe('size limits', () => {
  it('answers 413 for event items over max_event_size, naming the type and the key', async () => {
    const h = await startReceiver({ max_event_size: 1000 });
    const big = envelope({ event_id: EVENT_ID }, [{ payload: event({ extra: { blob: 'x'.repeat(1200) } }) }]);
    const a = await post(h.address, ENVELOPE_PATH, big, authHeader());
    expect(a.status).toBe(413);
    expect(a.json().detail).toBe("envelope exceeded size limits for type 'event' (https://develop.sentry.dev/sdk/envelopes/#size-limits)");
    expect(a.json().causes[0]).toMatch(/the limit is max_event_size 1000$/);
    expect(h.received).toEqual([]);
  });

  it('answers 413 for a body over max_request_body_size, and a decompressed one over max_envelope_size', async () => {
    const h = await startReceiver({ max_request_body_size: 4096, max_envelope_size: 8192 });
    const padding = [{ type: 'attachment', payload: Buffer.alloc(10_000, 'a') }];
    const body = envelope({}, padding);
    const raw = await post(h.address, ENVELOPE_PATH, body, authHeader());
    expect([raw.status, raw.json().causes]).toEqual([413, [`request body of ${body.length} bytes exceeds max_request_body_size 4096`]]);
    const bomb = await post(h.address, ENVELOPE_PATH, gzipSync(envelope({}, padding)), { ...authHeader(), 'content-encoding': 'gzip' });
    expect([bomb.status, bomb.json().causes]).toEqual([413, ['decompressed request body exceeds max_envelope_size 8192']]);
  });
});

describe('malformed envelopes', () => {
  const cases: [string, Buffer | string, string][] = [
    ['an empty body', '', 'empty request body'],
    ['a header that is no JSON', '{"event_id": \n', 'envelope header (line 1): not valid JSON: a syntax error'],
    ['a header that is a list', '[]\n', 'envelope header (line 1): expected a JSON object'],
    ['a bad event_id', '{"event_id":"zz"}\n', 'envelope header (line 1): event_id: expected a UUID (32 hexadecimal digits, hyphens allowed)'],
    ['an item without type', '{}\n{"length":2}\n{}', 'item 1 (line 2): header: type: expected a non-empty string'],
    ['a negative length', '{}\n{"type":"event","length":-1}\n{}', 'item 1 (line 2): header: length: expected a byte count (an integer from 0 to 4294967295)'],
    ['a length past the end', '{}\n{"type":"event","length":50}\n{}', 'item 1 (line 2): header: length: 50 bytes declared, 2 left in the envelope (unexpected end of file)'],
    ['a short length', '{}\n{"type":"attachment","length":1}\nabc\n', 'item 1 (line 2): missing newline after its payload of 1 bytes (is the length right?)'],
    ['an event that is no JSON', '{}\n{"type":"event"}\n{"message": nope}', 'item 1 (event): not valid JSON: a syntax error'],
    ['an event that is not an object', '{}\n{"type":"event"}\n[1]', 'item 1 (event): event: expected a JSON object (a Sentry event)'],
    ['an event with a bad level', '{}\n{"type":"event"}\n{"level":"loud"}', 'item 1 (event): level: expected one of fatal, error, warning, info, debug'],
    ['an event with a bad timestamp', '{}\n{"type":"event"}\n{"timestamp":"yesterday"}', 'item 1 (event): timestamp: expected an RFC 3339 timestamp or seconds since 1970, got a string of 9 characters'],
    ['invalid UTF-8', Buffer.concat([Buffer.from('{}\n{"type":"event"}\n{"message":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]), 'item 1 (event): not valid UTF-8'],
    ['deep JSON', `{}\n{"type":"event"}\n${'['.repeat(200)}${']'.repeat(200)}`, 'item 1 (event): JSON nested deeper than 128 levels at byte 128'],
    ['a huge header line', `{}\n{"type":"event","pad":"${'x'.repeat(70_000)}"}\n{}`, 'item 1 (line 2): header: longer than 65536 bytes'],
  ];
  for (const [what, body, cause] of cases) {
    it(`answers 400 for ${what}, naming where`, async () => {
      const h = await startReceiver();
      const a = await post(h.address, ENVELOPE_PATH, body, authHeader());
      expect(a.status).toBe(400);
      const answer = a.json();
      // V8 names a position for some syntax errors only
      expect(answer.causes ? answer.causes[0] : answer.detail).toMatch(new RegExp(`^${cause.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      expect(h.received).toEqual([]);
    });
  }

  it('takes items with and without length, blank lines between items, and unknown item types', async () => {
    const h = await startReceiver();
    const body = Buffer.from(
      `{"event_id":"${EVENT_ID}"}\n{"type":"attachment","length":5,"filename":"a.txt"}\nab\ncd\n\n{"type":"brand_new_thing"}\nwhatever\n{"type":"event"}\n${JSON.stringify(event())}\n`,
    );
    const a = await post(h.address, ENVELOPE_PATH, body, authHeader());
    expect([a.status, a.json()]).toEqual([200, { id: EVENT_ID }]);
    expect(bodies(h)).toHaveLength(1);
    expect(await counterValue(h.telemetry, 'otelcol_receiver_accepted_sentry_items_total', { item_type: 'attachment', stored: 'false' })).toBe(1);
    expect(await counterValue(h.telemetry, 'otelcol_receiver_accepted_sentry_items_total', { item_type: 'unknown', stored: 'false' })).toBe(1);
    expect(await counterValue(h.telemetry, 'otelcol_receiver_accepted_sentry_items_total', { item_type: 'event', stored: 'true' })).toBe(1);
  });

  it('answers {} for an envelope without an event', async () => {
    const h = await startReceiver();
    const a = await post(h.address, ENVELOPE_PATH, envelope({}, [{ type: 'session', payload: { sid: 'x' } }]), authHeader());
    expect([a.status, a.json()]).toEqual([200, {}]);
  });
});

describe('rate limits and pushback', () => {
  it('drops only the limited items and answers 429 with Retry-After and X-Sentry-Rate-Limits', async () => {
    const h = await startReceiver({
      projects: [{ id: '42', name: 'checkout', keys: [KEY], rate_limits: [{ category: 'error', per_minute: 0 }, { category: 'log', per_second: 0 }] }],
    });
    const body = envelope({ event_id: EVENT_ID }, [{ payload: event() }, { type: 'attachment', payload: 'kept' }]);
    const a = await post(h.address, ENVELOPE_PATH, body, authHeader());
    expect(a.status).toBe(429);
    expect(a.json().detail).toMatch(/^Sentry dropped data due to a quota/);
    const seconds = Number(a.headers['retry-after']);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(60);
    expect(a.headers['x-sentry-rate-limits']).toBe(`${seconds}:error:project`);
    expect(await counterValue(h.telemetry, 'otelcol_receiver_accepted_sentry_items_total', { item_type: 'attachment', stored: 'false' })).toBe(1);
    const logs = await post(h.address, ENVELOPE_PATH, envelope({}, [{ type: 'log', payload: { items: [] }, header: { item_count: 3 } }]), authHeader());
    expect([logs.status, logs.headers['x-sentry-rate-limits']]).toEqual([429, '1:log_item:project']);
    const other = await post(h.address, ENVELOPE_PATH, envelope({}, [{ type: 'session', payload: {} }]), authHeader());
    expect(other.status).toBe(200);
  });

  it('an all-categories limit is written without categories', async () => {
    const h = await startReceiver({ projects: [{ id: '42', name: 'checkout', keys: [KEY], rate_limits: [{ category: 'all', per_second: 0 }] }] });
    const a = await post(h.address, ENVELOPE_PATH, oneEvent(), authHeader());
    expect([a.status, a.headers['x-sentry-rate-limits']]).toEqual([429, '1::project']);
  });

  it('hands an envelope of many events to the pipeline in slices of SLICE_ITEMS, one per event-loop turn', async () => {
    const h = await startReceiver();
    const turn = countTurns();
    const turns: number[] = [];
    const push = h.received.push.bind(h.received);
    h.received.push = (...entries) => (turns.push(turn.now()), push(...entries));
    const n = 2 * SLICE_ITEMS + 3;
    const items = Array.from({ length: n }, (_, i) => ({ payload: event({ event_id: i.toString(16).padStart(32, '0'), message: `event ${i}` }) }));
    try {
      const a = await post(h.address, ENVELOPE_PATH, envelope({}, items), authHeader());
      expect(a.status).toBe(200);
    } finally {
      turn.stop();
    }
    expect(h.logs().map((l) => l.resourceLogs.reduce((k, rl) => k + rl.scopeLogs.reduce((m, sl) => m + sl.logRecords.length, 0), 0))).toEqual([SLICE_ITEMS, SLICE_ITEMS, 3]);
    expect(strictlyIncreasing(turns)).toBe(true);
    expect(bodies(h).map((b) => (b as { get(k: string): unknown }).get('message'))).toEqual(Array.from({ length: n }, (_, i) => `event ${i}`));
  });

  it('answers pipeline pushback 429 with an all-categories limit, and a permanent refusal 400', async () => {
    const h = await startReceiver();
    h.behaviour.fail = retryableError('sending queue is full', 5000);
    const a = await post(h.address, ENVELOPE_PATH, oneEvent(), authHeader());
    expect([a.status, a.headers['retry-after'], a.headers['x-sentry-rate-limits']]).toEqual([429, '5', '5::organization']);
    expect(await counterValue(h.telemetry, 'otelcol_receiver_refused_sentry_items_total', { item_type: 'event', reason: 'pipeline' })).toBe(1);
    h.behaviour.fail = permanentError('no such tenant');
    const b = await post(h.address, ENVELOPE_PATH, oneEvent(), authHeader());
    expect([b.status, b.json()]).toEqual([400, { detail: 'the pipeline refused the data', causes: ['no such tenant'] }]);
  });

  it('answers 503 with Retry-After from the admission check, before reading the body', async () => {
    const h = await startReceiver();
    h.behaviour.refuse = retryableError('memory limit exceeded', 2000);
    const a = await post(h.address, ENVELOPE_PATH, oneEvent(), authHeader());
    expect([a.status, a.headers['retry-after'], a.headers.connection]).toEqual([503, '2', 'close']);
    expect(a.json()).toEqual({ detail: 'the service is overloaded', causes: ['memory limit exceeded'] });
    expect(h.received).toEqual([]);
  });
});

describe('wiring', () => {
  it('takes events without storing them when no logs pipeline is wired', async () => {
    const h = await startReceiver({}, ['traces']);
    const a = await post(h.address, ENVELOPE_PATH, oneEvent(), authHeader());
    expect(a.status).toBe(200);
    expect(h.received).toEqual([]);
    expect(await counterValue(h.telemetry, 'otelcol_receiver_accepted_sentry_items_total', { item_type: 'event', stored: 'false' })).toBe(1);
  });
});
