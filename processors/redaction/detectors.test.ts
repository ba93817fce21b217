/**
 * Summit's detectors: Relay's builtin rules with Relay's own test vectors (outputs and hashes
 * as relay-pii's builtin.rs expects them), every method, the key rules of `@password`, and
 * `data_scrubbing` (Sentry's default scrubber) on OpenTelemetry attributes.
 */
import { describe, expect, it } from 'vitest';
import { attrs, logsOf, newLogRecord, newSpan, tracesOf } from '../../pipeline/builders.js';
import type { AnyValue, Attributes } from '../../pipeline/model.js';
import { toAnyValue } from '../../pipeline/model-ops.js';
import { detectorRules } from './config.js';
import { compileDetectors, scrubText } from './detectors.js';
import type { RuleSpec } from './rules.js';
import { luhnValid } from './rules.js';
import { redactionProcessor } from './testing.js';
import { clusterUrl } from './url-sanitizer.js';

/** `text` through the given detectors (unchanged text when nothing matched). */
function scrub(detectors: (string | { rule: string; method?: string; text?: string })[], text: string): string {
  const specs = detectors.flatMap((d) => detectorRules(d as never) as RuleSpec[]);
  return scrubText(text, compileDetectors(specs).text) ?? text;
}

/** The span attributes after the processor, keys all allowed. */
async function spanAttributes(config: Record<string, unknown>, values: Record<string, unknown>): Promise<Attributes> {
  const a = attrs(values);
  await redactionProcessor('traces', { allow_all_keys: true, ...config }).consume(tracesOf([newSpan({ attributes: a })]));
  return a;
}

describe('detectors: Relay rules and their default redactions', () => {
  it.each([
    ['@ip', 'before 127.0.0.1 after', 'before [ip] after'],
    ['@ip', 'before ::1 after', 'before [ip] after'],
    ['@ip', '[2001:0db8:85a3:0000:0000:8a2e:0370:7334]', '[[ip]]'],
    ['@ip', 'from 10.0.0.1 and fe80::1 ok', 'from [ip] and [ip] ok'],
    ['@ip:hash', 'before 127.0.0.1 after', 'before AE12FE3B5F129B5CC4CDD2B136B7B7947C4D2741 after'],
    ['@ip:hash', 'before 2001:0db8:85a3:0000:0000:8a2e:0370:7334 after', 'before 8C3DC9BEED9ADE493670547E24E4E45EDE69FF03 after'],
    ['@imei', 'before 356938035643809 after', 'before [imei] after'],
    ['@mac', 'ether 4a:00:04:10:9b:50', 'ether *****************'],
    ['@mac:replace', 'ether 4a:00:04:10:9b:50', 'ether [mac]'],
    ['@uuid', 'user id ceee0822-ed8f-4622-b2a3-789e73e75cd1', 'user id ************************************'],
    ['@email', 'John Appleseed <john@appleseed.com>', 'John Appleseed <[email]>'],
    ['@email:hash', 'John Appleseed <john@appleseed.com>', 'John Appleseed <33835528AC0FFF1B46D167C35FEAAA6F08FD3F46>'],
    ['@iban', 'some iban: DE89370400440532013000!', 'some iban: [iban]!'],
    ['@iban:mask', 'some iban: DE89370400440532013000!', 'some iban: **********************!'],
    ['@creditcard', 'paid with 4111 1111 1111 1111 today', 'paid with [creditcard] today'],
    ['@creditcard', 'paid with 4111-1111-1111-1111', 'paid with [creditcard]'],
    ['@creditcard', 'amex 378282246310005, mastercard 5555555555554444', 'amex [creditcard], mastercard [creditcard]'],
    ['@creditcard:mask', 'card 4111111111111111!', 'card ****************!'],
    ['@pemkey', 'key:\n-----BEGIN EC PRIVATE KEY-----\nMIHbAgEBBEFbLvIa\nfojr3jkJIxFS07Ao\n-----END EC PRIVATE KEY-----', 'key:\n-----BEGIN EC PRIVATE KEY-----\n[pemkey]\n-----END EC PRIVATE KEY-----'],
    ['@urlauth', 'https://username:password@example.com/', 'https://[auth]@example.com/'],
    ['@urlauth:hash', 'https://username:password@example.com/', 'https://2F82AB8A5E3FAD655B5F81E3BEA30D2A14FEF2AC@example.com/'],
    ['@urlauth:legacy', 'https://username:password@example.com/', 'https://username:[Filtered]@example.com/'],
    ['@usssn', "Hi I'm Hilda and my SSN is 078-05-1120", "Hi I'm Hilda and my SSN is ***********"],
    ['@usssn:replace', 'SSN 078-05-1120', 'SSN [us-ssn]'],
    ['@userpath', 'C:\\Users\\mitsuhiko\\Desktop', 'C:\\Users\\[user]\\Desktop'],
    ['@userpath', 'open /home/alice/.ssh/id_rsa failed', 'open /home/[user]/.ssh/id_rsa failed'],
    // Relay's pattern takes any `users/` segment for a home directory, in URLs too
    ['@userpath', 'GET /api/users/42', 'GET /api/users/[user]'],
    ['@userpath', 'C:\\Windows\\Profiles\\Armin\\Temp', 'C:\\Windows\\Profiles\\[user]\\Temp'],
    ['@userpath:hash', 'File in /Users/mitsuhiko/Development/sentry-stripping', 'File in /Users/A8791A1A8D11583E0200CC1B9AB971B4D78B8A69/Development/sentry-stripping'],
    ['@bearer', 'API request failed with Bearer abc.def-123 and other data', 'API request failed with Bearer [token] and other data'],
    ['@password', 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.x', 'Authorization: '],
    // the traits that let most strings skip the bearer pattern (a `b` and a space) must not miss these
    ['@bearer', 'AUTHORIZATION: BEARER abc123', 'AUTHORIZATION: BEARER [token]'],
    ['@bearer', 'token\tbearer\tabc123', 'token\tbearer\t[token]'],
    ['@bearer', 'Bearer\u00a0abc123', 'Bearer\u00a0[token]'],
    ['@password:filter', 'GET /cb?code=1&access_token=abc123&page=2', 'GET /cb?code=1&access_token=[Filtered]&page=2'],
    ['@password:filter', 'login failed for password=hunter2 user=bob', 'login failed for password=[Filtered] user=bob'],
    ['@password:filter', 'body {"user": "bob", "password": "hunter2"}', 'body {"user": "bob", "password": "[Filtered]"}'],
  ])('%s: %j → %j', (rule, input, output) => {
    expect(scrub([rule], input)).toBe(output);
  });

  it.each([
    ['@ip', 'foo::1'],
    ['@ip', 'version 1.2.3 build 300.1.1.1'],
    ['@iban', 'fooNO9386011117945bar'],
    ['@iban', 'some iban: N19386011117945!'],
    ['@email', 'user at example dot com'],
    ['@usssn', 'order 078-051-1120'],
    ['@urlauth', 'https://example.com/users/@me'],
    ['@userpath', 'GET /api/accounts/42'],
    ['@mac', 'time 12:30:45'],
    ['@pemkey', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'],
    ['@bearer', 'Authorization: Basic dXNlcjpwYXNz'],
    ['@password', 'token expired, please sign in again'],
  ])('%s leaves %j alone', (rule, input) => {
    expect(scrub([rule], input)).toBe(input);
  });

  describe('@creditcard checks the Luhn sum', () => {
    it('keeps a 16-digit order number that fails Luhn, scrubs a real card with spaces or dashes', () => {
      expect(luhnValid('4111111111111112')).toBe(false);
      expect(scrub(['@creditcard'], 'order 4111111111111112 shipped')).toBe('order 4111111111111112 shipped');
      expect(scrub(['@creditcard'], 'card 4111 1111 1111 1111')).toBe('card [creditcard]');
      expect(scrub(['@creditcard'], 'card 4111-1111-1111-1111')).toBe('card [creditcard]');
    });

    it("also keeps Relay's own example 4571234567890111, which fails Luhn (Relay scrubs it)", () => {
      expect(scrub(['@creditcard'], 'John Appleseed 4571234567890111!')).toBe('John Appleseed 4571234567890111!');
    });
  });

  describe('methods', () => {
    const card = 'pay 4111 1111 1111 1111 now';
    it.each([
      ['mask', undefined, 'pay ******************* now'],
      ['remove', undefined, 'pay  now'],
      ['hash', undefined, `pay 98E5A1BE7D9DC4C1A4E1B0D6D7EE5CA0BB2AF5F1 now`],
      ['replace', undefined, 'pay [creditcard] now'],
      ['replace', '<card>', 'pay <card> now'],
    ])('%s (text %j)', (method, text, expected) => {
      const out = scrub([{ rule: '@creditcard', method, ...(text && { text }) }], card);
      if (method === 'hash') expect(out).toMatch(/^pay [0-9A-F]{40} now$/);
      else expect(out).toBe(expected);
    });

    it('hash is stable (a pseudonym) and mask keeps the length in characters, not UTF-16 units', () => {
      const once = scrub([{ rule: '@email', method: 'hash' }], 'a@example.com');
      expect(scrub([{ rule: '@email', method: 'hash' }], 'a@example.com')).toBe(once);
      expect(scrub(['@password:mask'], 'password=🔑🔑x')).toBe('password=***');
    });

    it('@common stands for the nine rules with their defaults, @common:filter for [Filtered]', () => {
      const text = 'ip 10.1.2.3 mail a@b.io card 4111111111111111 ssn 078-05-1120';
      expect(scrub(['@common'], text)).toBe('ip [ip] mail [email] card [creditcard] ssn ***********');
      expect(scrub(['@common:filter'], text)).toBe('ip 10.1.2.3 mail a@b.io card [Filtered] ssn [Filtered]');
    });
  });
});

describe('hostile text', () => {
  // Relay's regex engine runs in linear time; these texts drove the same patterns, run by a
  // backtracking engine, into quadratic time (minutes for a value of this size).
  const hostile = {
    'email local parts': 'a.'.repeat(60_000) + '@',
    'URL schemes': 'a-'.repeat(60_000) + ' / @',
    'PEM headers without an end': '-----END A PRIVATE KEY-----' + '-----BEGIN A PRIVATE KEY-----\nMIIB'.repeat(20_000),
    'key=value names': 'xtokenx'.repeat(20_000) + '=',
    'JSON keys': '"password'.repeat(20_000) + '":',
    'digits': '4'.repeat(120_000),
    'colons': ':'.repeat(120_000),
  };
  it.each(Object.entries(hostile))('%s: scanned in one pass, and a secret after them is still found', (_name, text) => {
    const all = ['@common', '@bearer', '@mac', '@imei', '@uuid', '@password:filter'];
    expect(scrub(all, `${text} mail jane@example.com`).endsWith(' mail [email]')).toBe(true);
  });
});

describe('detectors on telemetry', () => {
  it('@password replaces the value of every key naming a secret, whatever the value; other keys keep theirs', async () => {
    const secrets = {
      password: 'hunter2',
      the_secret: 'x',
      a_password_here: 'x',
      passwd: 'x',
      api_key: 'x',
      apiKey: 'x',
      'http.request.header.authorization': 'Basic dXNlcjpwYXNz',
      credentials: 'x',
      mysql_pwd: 'x',
      privatekey: 'x',
      private_key: 'x',
      access_token: 'x',
      otp: '123456',
      'two-factor': '123456',
      pin_token: 12345,
    };
    const a = await spanAttributes({ detectors: ['@password:filter'], summary: 'debug' }, { ...secrets, username: 'bob', otp_enabled: 'yes', 'user.verified': true });
    for (const key of Object.keys(secrets)) expect(a.get(key), key).toBe('[Filtered]');
    expect(a.get('username')).toBe('bob');
    expect(a.get('otp_enabled')).toBe('yes');
    expect(a.get('user.verified')).toBe(true);
    expect(a.get('redaction.masked.count')).toBe(BigInt(Object.keys(secrets).length));
  });

  it('token counts of generative AI calls are not secrets (Sentry keeps gen_ai.usage.* out of its scrubbing)', async () => {
    const a = await spanAttributes({ detectors: ['@password'], data_scrubbing: {} }, { 'gen_ai.usage.input_tokens': 812, 'gen_ai.usage.output_tokens': 64, 'gen_ai.request.api_key': 'sk-x' });
    expect(Object.fromEntries(a)).toEqual({ 'gen_ai.usage.input_tokens': 812n, 'gen_ai.usage.output_tokens': 64n });
  });

  it("Sentry's default scrubbing finds bearer tokens however the word is spelled and spaced, twice in a row (the second from its verdict cache)", async () => {
    const values = { a: 'auth BEARER abc123', b: 'Bearer\u00a0abc123', c: 'see bearer\tabc123', d: 'no token here' };
    const processor = redactionProcessor('traces', { allow_all_keys: true, data_scrubbing: {} });
    for (let round = 0; round < 2; round++) {
      const a = attrs(values);
      await processor.consume(tracesOf([newSpan({ attributes: a })]));
      expect(Object.fromEntries(a)).toEqual({ a: 'auth [Filtered]', b: '[Filtered]', c: 'see [Filtered]', d: 'no token here' });
    }
  });

  it('@password (remove, its default) deletes such attributes and counts them as redacted', async () => {
    const a = await spanAttributes({ detectors: ['@password'], summary: 'info' }, { password: 'hunter2', user: 'bob' });
    expect([...a.keys()].sort()).toEqual(['redaction.redacted.count', 'user']);
    expect(a.get('redaction.redacted.count')).toBe(1n);
  });

  it('scrubs exception messages and URLs: userinfo and secret query parameters', async () => {
    const a = await spanAttributes(
      { detectors: ['@password:filter', '@urlauth', '@email', '@creditcard'] },
      {
        'exception.message': 'charge of card 4111 1111 1111 1111 for jane@example.com declined',
        'url.full': 'https://admin:s3cret@api.example.com/v1/orders?api_key=AKIA123&page=2',
        'http.url': 'https://api.example.com/callback?token=abc&state=ok',
        'url.query': 'session_token=xyz&lang=en',
        'url.path': '/v1/orders/42',
      },
    );
    expect(a.get('exception.message')).toBe('charge of card [creditcard] for [email] declined');
    expect(a.get('url.full')).toBe('https://[auth]@api.example.com/v1/orders?api_key=[Filtered]&page=2');
    expect(a.get('http.url')).toBe('https://api.example.com/callback?token=[Filtered]&state=ok');
    expect(a.get('url.query')).toBe('session_token=[Filtered]&lang=en');
    expect(a.get('url.path')).toBe('/v1/orders/42');
  });

  it('reaches resources, scopes, span events, links, span names, status messages, data points and nested kvlists', async () => {
    const secret = 'jane@example.com';
    const span = newSpan({
      name: `signup ${secret}`,
      attributes: attrs({ user: { email: secret, roles: ['admin', secret] } }),
      events: [{ timeUnixNano: 0n, name: 'exception', attributes: attrs({ 'exception.message': `no such user ${secret}` }), droppedAttributesCount: 0 }],
      links: [{ traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceState: '', attributes: attrs({ 'link.note': secret }), droppedAttributesCount: 0, flags: 0 }],
      status: { code: 2, message: `failed for ${secret}` },
    });
    const traces = tracesOf([span], { 'service.owner': secret });
    await redactionProcessor('traces', { allow_all_keys: true, detectors: ['@email'] }).consume(traces);
    expect(JSON.stringify(traces, (_k, v) => (typeof v === 'bigint' ? String(v) : v instanceof Map ? Object.fromEntries(v) : v))).not.toContain(secret);
    expect(span.name).toBe('signup [email]');
    expect((span.attributes.get('user') as Map<string, AnyValue>).get('roles')).toEqual(['admin', '[email]']);
  });

  it('leaves booleans, ignored keys and allowed values alone', async () => {
    const a = await spanAttributes(
      { detectors: ['@email', '@password:filter'], ignored_keys: ['raw'], allowed_values: ['.+@mycompany\\.com'] },
      { raw: 'jane@example.com', contact: 'ops@mycompany.com', auth_enabled: true, other: 'jane@example.com' },
    );
    expect(Object.fromEntries(a)).toEqual({ raw: 'jane@example.com', contact: 'ops@mycompany.com', auth_enabled: true, other: '[email]' });
  });

  it('scans numbers only with redact_all_types', async () => {
    expect((await spanAttributes({ detectors: ['@creditcard'] }, { n: 4111111111111111 })).get('n')).toBe(4111111111111111n);
    expect((await spanAttributes({ detectors: ['@creditcard'], redact_all_types: true }, { n: 4111111111111111 })).get('n')).toBe('[creditcard]');
  });

  it('string log bodies are scrubbed and counted in the body summary', async () => {
    const record = newLogRecord({ body: 'login by jane@example.com from 10.2.3.4' });
    await redactionProcessor('logs', { allow_all_keys: true, detectors: ['@email', '@ip'], summary: 'debug' }).consume(logsOf([record]));
    expect(record.body).toBe('login by [email] from [ip]');
    expect(record.attributes.get('redaction.body.masked.keys')).toBe('body');
  });
});

describe('data_scrubbing: Sentry’s default scrubber', () => {
  it('replaces key-named secrets, cards, IBANs, PEM keys, URL passwords and SSNs with [Filtered]', async () => {
    const a = await spanAttributes(
      { data_scrubbing: {} },
      {
        db_password: 'hunter2',
        note: 'card 4111111111111111, iban DE89370400440532013000, ssn 078-05-1120',
        'url.full': 'https://bob:pa55@example.com/x',
        'code.filepath': '/home/alice/app/main.py',
        'client.address': '203.0.113.9',
        'user.email': 'jane@example.com',
      },
    );
    expect(Object.fromEntries(a)).toEqual({
      db_password: '[Filtered]',
      note: 'card [Filtered], iban [Filtered], ssn [Filtered]',
      'url.full': 'https://bob:[Filtered]@example.com/x',
      'code.filepath': '/home/alice/app/main.py',
      // user paths, IP addresses and emails are Sentry's to keep unless asked
      'client.address': '203.0.113.9',
      'user.email': 'jane@example.com',
    });
  });

  it('scrub_ip_addresses removes client.address and replaces IPs in every value', async () => {
    const a = await spanAttributes({ data_scrubbing: { scrub_ip_addresses: true } }, { 'client.address': '203.0.113.9', 'net.peer': 'peer 10.0.0.7:443' });
    expect(Object.fromEntries(a)).toEqual({ 'net.peer': 'peer [ip]:443' });
  });

  it('filters a span’s whole Cookie header', async () => {
    const a = await spanAttributes({ data_scrubbing: {} }, { 'http.request.header.cookie': 'theme=dark; sessionid=abc' });
    expect(a.get('http.request.header.cookie')).toBe('[Filtered]');
  });

  it('sensitive_fields are key words too; exclude_fields keep a key from the scrubber but not from explicit detectors', async () => {
    const a = await spanAttributes(
      { detectors: ['@email'], data_scrubbing: { sensitive_fields: ['mysekret', ' '], exclude_fields: ['Safe_Password', 'notes'] } },
      { MySekret_Value: 'x', q: 'a=1&mysekret=2', safe_password: 'kept', notes: 'card 4111111111111111 by jane@example.com' },
    );
    expect(Object.fromEntries(a)).toEqual({ MySekret_Value: '[Filtered]', q: 'a=1&mysekret=[Filtered]', safe_password: 'kept', notes: 'card 4111111111111111 by [email]' });
  });

  it('scrub_data: false turns the rules off, scrub_defaults: false keeps only sensitive_fields', async () => {
    const values = { password: 'x', token_pin: 'y', custom: 'z' };
    expect(Object.fromEntries(await spanAttributes({ data_scrubbing: { scrub_data: false, sensitive_fields: ['custom'] } }, values))).toEqual(values);
    expect(Object.fromEntries(await spanAttributes({ data_scrubbing: { scrub_defaults: false, sensitive_fields: ['custom'] } }, values))).toEqual({ ...values, custom: '[Filtered]' });
  });

  it('adds the email rule for messages: string log bodies', async () => {
    const record = newLogRecord({ body: 'password reset mailed to jane@example.com', attributes: attrs({ to: 'jane@example.com' }) });
    await redactionProcessor('logs', { allow_all_keys: true, data_scrubbing: {} }).consume(logsOf([record]));
    expect(record.body).toBe('password reset mailed to [email]');
    expect(record.attributes.get('to')).toBe('jane@example.com');
  });

  it('runs over structured bodies of any log record', async () => {
    const record = newLogRecord({ body: toAnyValue({ event: 'login', form: { user: 'bob', password: 'hunter2' } }) });
    await redactionProcessor('logs', { allow_all_keys: true, data_scrubbing: {} }).consume(logsOf([record]));
    expect(((record.body as Map<string, AnyValue>).get('form') as Map<string, AnyValue>).get('password')).toBe('[Filtered]');
  });
});

describe('clusterUrl (url_sanitizer)', () => {
  it.each([
    ['', ''],
    ['/users/fdklsd/j4elk/23993/job/2', '/users/fdklsd/j4elk/*/job/*'],
    ['123', '*'],
    ['/123', '/*'],
    ['123/', '*/'],
    ['/**', '/*'],
    ['/u/2', '/u/*'],
    ['/v1/products/22j', '/v1/products/*'],
    ['/products//org/3', '/products//org/*'],
    ['/v1/k6-test-runs/1', '/v1/k6-test-runs/*'],
    ['/api/hello.world', '/api/hello.world'],
    ['GET /user_space/', 'GET /user_space/'],
    ['/attach?session_id=ddfsdsf&track_id=sjdklnfldsn', '/attach'],
    ['GET /api/cart?sessionId=55f4e5ea-5d6d-482a-80c4-799e3c72dfb0&currencyCode=USD', 'GET /api/cart'],
    ['/w/index.php/*', '/w/index.php/*'],
    ['?', ''],
    ['attach12?', '*'],
    ['*&', '*'],
    ['/a#', '/a'],
    ['/a/b/c/d/e/f/g/h/i/j', '/a/b/c/d/e/f/g/h/i'],
  ])('%j → %j', (input, output) => {
    expect(clusterUrl(input)).toBe(output);
  });
});
