/**
 * The Collector redaction processor's behaviour, case for case as its processor_test.go checks
 * it: every attribute map it touches (resource, scope, span, log record, log body, data points
 * of every metric type) gets the same verdicts.
 */
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { attrs, logsOf, metricsOf, newLogRecord, newScope, newSpan, tracesOf } from '../../pipeline/builders.js';
import { SpanKind, type AnyValue, type Attributes, type Logs, type Metric, type MetricData, type Metrics, type Traces } from '../../pipeline/model.js';
import { toAnyValue } from '../../pipeline/model-ops.js';
import { validateConfig } from './config.js';
import { redactionConfig, redactionProcessor } from './testing.js';

const METRIC_TYPES: MetricData['type'][] = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'];

function metricOf(type: MetricData['type'], attributes: Attributes): Metric {
  const base = { attributes, startTimeUnixNano: 0n, timeUnixNano: 0n, flags: 0 };
  const data: Record<MetricData['type'], MetricData> = {
    gauge: { type: 'gauge', dataPoints: [{ ...base, value: 1, exemplars: [] }] },
    sum: { type: 'sum', aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ ...base, value: 1, exemplars: [] }] },
    histogram: { type: 'histogram', aggregationTemporality: 2, dataPoints: [{ ...base, count: 1, bucketCounts: [1], explicitBounds: [], exemplars: [] }] },
    exponentialHistogram: {
      type: 'exponentialHistogram',
      aggregationTemporality: 2,
      dataPoints: [{ ...base, count: 1, scale: 0, zeroCount: 0, positive: { offset: 0, bucketCounts: [] }, negative: { offset: 0, bucketCounts: [] }, exemplars: [], zeroThreshold: 0 }],
    },
    summary: { type: 'summary', dataPoints: [{ ...base, count: 1, sum: 1, quantileValues: [] }] },
  };
  return { name: 'm', description: '', unit: '', metadata: new Map(), data: data[type] };
}

const scopeWith = (values: Record<string, unknown>) => ({ ...newScope('first-library'), attributes: attrs(values) });

/**
 * Runs `values` through the processor in every place upstream's tests put them, and returns
 * each resulting attribute map. For the log body, the `redaction.body.*` summary is copied in
 * under the attribute names, as upstream's getLogBodyWithDebugAttrs does.
 */
async function everyMap(config: Record<string, unknown>, values: Record<string, unknown>): Promise<Attributes[]> {
  const traces = tracesOf([newSpan({ name: 'first-batch-first-span', attributes: attrs(values) })], values, scopeWith(values));
  await redactionProcessor('traces', config).consume(traces);
  const record = newLogRecord({ attributes: attrs(values), body: toAnyValue(values) });
  const logs = logsOf([record], values, scopeWith(values));
  await redactionProcessor('logs', config).consume(logs);
  const body = record.body as Attributes;
  for (const [k, v] of record.attributes) if (k.startsWith('redaction.body.')) body.set(k.replace('redaction.body.', 'redaction.'), v);
  const maps = [...traceMaps(traces), ...logMaps(logs).slice(0, 3), body];
  for (const type of METRIC_TYPES) {
    const metrics = metricsOf([metricOf(type, attrs(values))], values, scopeWith(values));
    await redactionProcessor('metrics', config).consume(metrics);
    maps.push(...metricMaps(metrics));
  }
  return maps;
}

const traceMaps = (t: Traces) => {
  const rs = t.resourceSpans[0];
  return [rs.resource.attributes, rs.scopeSpans[0].scope.attributes, rs.scopeSpans[0].spans[0].attributes];
};
const logMaps = (l: Logs) => {
  const rl = l.resourceLogs[0];
  return [rl.resource.attributes, rl.scopeLogs[0].scope.attributes, rl.scopeLogs[0].logRecords[0].attributes];
};
const metricMaps = (m: Metrics) => {
  const rm = m.resourceMetrics[0];
  const point = (rm.scopeMetrics[0].metrics[0].data.dataPoints as { attributes: Attributes }[])[0];
  return [rm.resource.attributes, rm.scopeMetrics[0].scope.attributes, point.attributes];
};

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

describe('redaction processor, upstream behaviour', () => {
  it('deletes attributes not on allowed_keys, everywhere; ignored keys stay', async () => {
    const maps = await everyMap(
      { allowed_keys: ['group', 'id', 'name'], ignored_keys: ['safe_attribute'] },
      { group: 'temporary', id: 5, name: 'placeholder', safe_attribute: '4111111111111112', credit_card: '4111111111111111' },
    );
    expect(maps).toHaveLength(22);
    for (const m of maps) {
      expect(m.get('group')).toBe('temporary');
      expect(m.get('id')).toBe(5n);
      expect(m.get('name')).toBe('placeholder');
      expect(m.get('safe_attribute')).toBe('4111111111111112');
      expect(m.has('credit_card')).toBe(false);
    }
  });

  it('an empty config deletes every attribute (allowed_keys fails closed)', async () => {
    const maps = await everyMap({}, { 'service.name': 'checkout', 'http.route': '/cart' });
    for (const m of maps) expect([...m.keys()]).toEqual([]);
  });

  it('allow_all_keys keeps every key but still masks blocked values; allowed_values are exempt', async () => {
    const maps = await everyMap(
      { allowed_keys: ['group'], allow_all_keys: true, blocked_values: ['4[0-9]{12}(?:[0-9]{3})?', '.+@mycompany.com'], allowed_values: ['.+@mycompany.com'] },
      { group: 'temporary', name: 'placeholder', credit_card: 'placeholder 4111111111111111', email: 'user@mycompany.com' },
    );
    for (const m of maps) {
      expect(m.get('name')).toBe('placeholder');
      expect(m.get('credit_card')).toBe('placeholder ****');
      expect(m.get('email')).toBe('user@mycompany.com');
    }
  });

  it('summary debug: names and counts of redacted, masked and allowed keys, count of ignored ones', async () => {
    const maps = await everyMap(
      {
        allowed_keys: ['id', 'group', 'name', 'group.id', 'member (id)', 'token_some', 'api_key_some', 'email'],
        blocked_values: ['4[0-9]{12}(?:[0-9]{3})?'],
        ignored_keys: ['safe_attribute'],
        ignored_key_patterns: ['safeRE_attribute.*'],
        blocked_key_patterns: ['.*(token|api_key).*'],
        allowed_values: ['.+@mycompany.com'],
        summary: 'debug',
      },
      {
        id: 5,
        'group.id': 'some.valid.id',
        'member (id)': 'some other valid id',
        name: 'placeholder 4111111111111111',
        safe_attribute: 'harmless 4111111111111112',
        safeRE_attribute_id: 'safe id',
        safeRE_attribute_source: 'safe source',
        credit_card: '4111111111111111',
        token_some: 'tokenize',
        api_key_some: 'apinize',
        email: 'user@mycompany.com',
      },
    );
    for (const m of maps) {
      expect(m.has('credit_card')).toBe(false);
      expect(m.get('redaction.redacted.keys')).toBe('credit_card');
      expect(m.get('redaction.redacted.count')).toBe(1n);
      expect(m.get('redaction.ignored.count')).toBe(3n);
      expect(m.get('redaction.masked.keys')).toBe('api_key_some,name,token_some');
      expect(m.get('redaction.masked.count')).toBe(3n);
      expect(m.get('redaction.allowed.count')).toBe(1n);
      expect(m.get('name')).toBe('placeholder ****');
      expect(m.get('api_key_some')).toBe('****');
      expect(m.get('token_some')).toBe('****');
      expect(m.get('email')).toBe('user@mycompany.com');
      expect(m.get('safe_attribute')).toBe('harmless 4111111111111112');
    }
  });

  it('hash_function md5 hashes each blocked match, and the whole value of a blocked key', async () => {
    const maps = await everyMap(
      { allowed_keys: ['name', 'token_some', 'api_key_some'], blocked_values: ['4[0-9]{12}(?:[0-9]{3})?'], hash_function: 'md5', blocked_key_patterns: ['.*token.*', '.*api_key.*'] },
      { name: 'placeholder 4111111111111111', token_some: 'tokenize', api_key_some: 'apinize' },
    );
    for (const m of maps) {
      // upstream's expected values
      expect(m.get('name')).toBe('placeholder 5910f4ea0062a0e29afd3dccc741e3ce');
      expect(m.get('api_key_some')).toBe('93a699237950bde9eb9d25c7ead025f3');
      expect(m.get('token_some')).toBe('77e9ef3680c5518785ef0121d3884c3d');
    }
  });

  it('hash_function sha1, sha3 (SHA3-256) and hmac-sha256 / hmac-sha512 with hmac_key', async () => {
    const key = 'k'.repeat(64);
    const cases: [string, (s: string) => string][] = [
      ['sha1', (s) => createHash('sha1').update(s).digest('hex')],
      ['sha3', (s) => createHash('sha3-256').update(s).digest('hex')],
      ['hmac-sha256', (s) => createHmac('sha256', key).update(s).digest('hex')],
      ['hmac-sha512', (s) => createHmac('sha512', key).update(s).digest('hex')],
    ];
    for (const [fn, hash] of cases) {
      const p = redactionProcessor('traces', { allow_all_keys: true, blocked_values: ['4[0-9]{15}'], hash_function: fn, hmac_key: key });
      const t = tracesOf([newSpan({ attributes: attrs({ note: 'card 4111111111111111 used' }) })]);
      await p.consume(t);
      expect(traceMaps(t)[2].get('note')).toBe(`card ${hash('4111111111111111')} used`);
    }
    expect(md5('4111111111111111')).toBe('5910f4ea0062a0e29afd3dccc741e3ce');
  });

  it('summary info writes counts only; silent and the default write nothing', async () => {
    const values = { id: 5, name: 'placeholder 4111111111111111', credit_card: '4111111111111111', safe_attribute: 'x' };
    const base = { allowed_keys: ['id', 'name'], blocked_values: ['4[0-9]{12}(?:[0-9]{3})?'], ignored_keys: ['safe_attribute'] };
    for (const m of await everyMap({ ...base, summary: 'info' }, values)) {
      expect(m.has('redaction.redacted.keys')).toBe(false);
      expect(m.has('redaction.masked.keys')).toBe(false);
      expect(m.get('redaction.redacted.count')).toBe(1n);
      expect(m.get('redaction.masked.count')).toBe(1n);
      expect(m.get('redaction.ignored.count')).toBe(1n);
      expect(m.get('name')).toBe('placeholder ****');
    }
    for (const summary of ['silent', undefined]) {
      for (const m of await everyMap({ ...base, ...(summary && { summary }) }, values)) {
        expect([...m.keys()].filter((k) => k.startsWith('redaction.'))).toEqual([]);
        expect(m.get('name')).toBe('placeholder ****');
      }
    }
  });

  it('applies every blocked_values pattern in turn', async () => {
    const maps = await everyMap(
      { allowed_keys: ['id', 'name', 'mystery'], blocked_values: ['4[0-9]{12}(?:[0-9]{3})?', '(5[1-5][0-9]{3})'], summary: 'debug' },
      { id: 5, mystery: 'mystery 52000', name: 'placeholder 4111111111111111 52000', credit_card: '4111111111111111' },
    );
    for (const m of maps) {
      expect(m.get('name')).toBe('placeholder **** ****');
      expect(m.get('mystery')).toBe('mystery ****');
      expect(m.get('redaction.masked.keys')).toBe('mystery,name');
      expect(m.get('redaction.masked.count')).toBe(2n);
    }
  });

  it('a second pass merges its summary into the first one’s (the summary keys are always allowed)', async () => {
    const p = redactionProcessor('traces', { allowed_keys: ['id', 'credit_card', 'mystery'], blocked_values: ['4[0-9]{12}(?:[0-9]{3})?'], summary: 'debug' });
    const a = attrs({
      id: 5,
      redundant: 1.2,
      mystery: 'mystery ****',
      credit_card: '4111111111111111',
      'redaction.redacted.keys': 'dropped_attr1,dropped_attr2',
      'redaction.redacted.count': 2,
      'redaction.masked.keys': 'mystery',
      'redaction.masked.count': 1,
    });
    await p.consume(tracesOf([newSpan({ attributes: a })]));
    expect(a.size).toBe(7);
    expect(a.get('redaction.redacted.keys')).toBe('dropped_attr1,dropped_attr2,redundant');
    expect(a.get('redaction.redacted.count')).toBe(3n);
    expect(a.get('redaction.masked.keys')).toBe('credit_card,mystery');
    expect(a.get('redaction.masked.count')).toBe(2n);
  });

  it('redact_all_types: non-string values are matched by their string form only when set', async () => {
    for (const [redactAll, expected] of [
      [false, 4111111111111111n],
      [true, '****'],
    ] as const) {
      const maps = await everyMap(
        { allow_all_keys: true, blocked_values: ['4[0-9]{12}(?:[0-9]{3})?'], redact_all_types: redactAll },
        { id: 5, credit_card: 'placeholder 4111111111111111', credit_card_int: 4111111111111111 },
      );
      // the log body is left out: upstream reads every body leaf by its string form
      for (const m of maps.filter((_, i) => i !== 6)) {
        expect(m.get('credit_card')).toBe('placeholder ****');
        expect(m.get('credit_card_int')).toBe(expected);
        expect(m.get('id')).toBe(5n);
      }
    }
  });

  it('redacts span event attributes', async () => {
    const event = { timeUnixNano: 0n, name: 'event-one', attributes: attrs({ password: 'xyzxyz', username: 'foobar' }), droppedAttributesCount: 0 };
    const t = tracesOf([newSpan({ events: [event] })]);
    await redactionProcessor('traces', { allow_all_keys: true, blocked_values: ['xyzxyz'], summary: 'debug' }).consume(t);
    expect(event.attributes.get('password')).toBe('****');
    expect(event.attributes.get('username')).toBe('foobar');
  });

  it('log bodies: a string body is masked; kvlist bodies get key checks at every depth and a body summary', async () => {
    const stringBody = newLogRecord({ body: 'placeholder 4111111111111111' });
    await redactionProcessor('logs', { allowed_keys: ['id'], blocked_values: ['4[0-9]{12}(?:[0-9]{3})?'], summary: 'debug' }).consume(logsOf([stringBody]));
    expect(stringBody.body).toBe('placeholder ****');
    expect(stringBody.attributes.get('redaction.body.masked.keys')).toBe('body');
    expect(stringBody.attributes.get('redaction.body.masked.count')).toBe(1n);

    const record = newLogRecord({
      body: toAnyValue({
        credit_card: '4111111111111111',
        not_allowed_key: 'temp',
        id: 'user123',
        nested: { credit_card: '4111111111111111', not_allowed_key: 'temp', id: 'user123', safe_attribute: '4111111111111111', email: 'user@mycompany.com' },
        slice: ['4111111111111111', 'user123'],
      }),
    });
    await redactionProcessor('logs', {
      allowed_keys: ['id', 'email', 'credit_card', 'nested', 'slice'],
      blocked_values: ['4[0-9]{12}(?:[0-9]{3})?'],
      ignored_keys: ['safe_attribute'],
      allowed_values: ['.+@mycompany.com'],
      summary: 'debug',
    }).consume(logsOf([record]));
    const body = record.body as Map<string, AnyValue>;
    expect(body.get('credit_card')).toBe('****');
    expect(body.has('not_allowed_key')).toBe(false);
    expect(body.get('id')).toBe('user123');
    const nested = body.get('nested') as Map<string, AnyValue>;
    expect(nested.get('credit_card')).toBe('****');
    expect(nested.has('not_allowed_key')).toBe(false);
    expect(nested.get('safe_attribute')).toBe('4111111111111111');
    expect(body.get('slice')).toEqual(['****', 'user123']);
    const a = record.attributes;
    expect(a.get('redaction.body.redacted.keys')).toBe('nested.not_allowed_key,not_allowed_key');
    expect(a.get('redaction.body.redacted.count')).toBe(2n);
    expect(a.get('redaction.body.masked.keys')).toBe('credit_card,nested.credit_card,slice.[0]');
    expect(a.get('redaction.body.masked.count')).toBe(3n);
    expect(a.get('redaction.body.allowed.keys')).toBe('nested.email');
    expect(a.get('redaction.body.allowed.count')).toBe(1n);
    expect(a.get('redaction.body.ignored.count')).toBe(1n);
  });
});

describe('url_sanitizer', () => {
  const config = { allow_all_keys: true, url_sanitizer: { enabled: true, attributes: ['http.url', 'url', 'request_url'] }, summary: 'debug' };

  it('sanitizes the listed attributes only, and counts them as masked', async () => {
    const a = attrs({ 'http.url': '/users/2', url: '/products/1/org/3', request_url: '/v1/products/22', other_field: '/not/sanitized/123' });
    await redactionProcessor('traces', config).consume(tracesOf([newSpan({ attributes: a })]));
    expect(Object.fromEntries(a)).toMatchObject({ 'http.url': '/users/*', url: '/products/*/org/*', request_url: '/v1/products/*', other_field: '/not/sanitized/123' });
    expect(a.get('redaction.masked.count')).toBe(3n);
  });

  it('sanitizes log body strings, also inside kvlists, unless sanitize_log_body is false', async () => {
    const records = [newLogRecord({ body: '/users/2' }), newLogRecord({ body: toAnyValue({ message: '/users/2', url: '/products/1/org/3' }) })];
    await redactionProcessor('logs', config).consume(logsOf(records));
    expect(records[0].body).toBe('/users/*');
    expect(Object.fromEntries(records[1].body as Map<string, AnyValue>)).toEqual({ message: '/users/*', url: '/products/*/org/*' });
    const kept = newLogRecord({ body: '/api/orders/12345/details' });
    await redactionProcessor('logs', { ...config, url_sanitizer: { enabled: true, sanitize_log_body: false } }).consume(logsOf([kept]));
    expect(kept.body).toBe('/api/orders/12345/details');
  });

  it('sanitizes the names of client and server spans that look like HTTP, unless sanitize_span_name is false', async () => {
    const spans = () => [
      newSpan({ name: '/users/123/profile', kind: SpanKind.Client }),
      newSpan({ name: 'GET', kind: SpanKind.Server, attributes: attrs({ 'http.request.method': 'GET' }) }),
      newSpan({ name: '/users/123/profile', kind: SpanKind.Internal }),
      newSpan({ name: '/123/456', kind: SpanKind.Server }),
    ];
    const on = spans();
    await redactionProcessor('traces', { allow_all_keys: true, url_sanitizer: { enabled: true } }).consume(tracesOf(on));
    // a name whose every segment would go is kept: it would say nothing
    expect(on.map((s) => s.name)).toEqual(['/users/*/profile', 'GET', '/users/123/profile', '/123/456']);
    const off = spans();
    await redactionProcessor('traces', { allow_all_keys: true, url_sanitizer: { enabled: true, sanitize_span_name: false } }).consume(tracesOf(off));
    expect(off[0].name).toBe('/users/123/profile');
  });

  it('is off by default', async () => {
    const a = attrs({ 'http.url': '/v1/products/123' });
    await redactionProcessor('traces', { allow_all_keys: true, url_sanitizer: { attributes: ['http.url'] } }).consume(tracesOf([newSpan({ attributes: a })]));
    expect(a.get('http.url')).toBe('/v1/products/123');
  });
});

describe('config', () => {
  it('reports every bad pattern, a short HMAC key, db_sanitizer and unknown detector rules at once', () => {
    const problems = validateConfig(
      redactionConfig({
        blocked_values: ['ok', '(unclosed'],
        allowed_values: ['[z-a]'],
        hash_function: 'hmac-sha256',
        hmac_key: 'short',
        db_sanitizer: { sql: { enabled: true } },
        detectors: ['@creditcard', '@nope', { rule: '@email:sha256' }],
      }),
    );
    expect(problems.map((p) => p.path)).toEqual(['blocked_values[1]', 'allowed_values[0]', 'hmac_key', 'db_sanitizer', 'detectors[1]', 'detectors[2]']);
    expect(problems[2].message).toBe('hmac-sha256 needs an hmac_key of at least 32 bytes (got 5)');
    expect(problems[4].message).toMatch(/unknown rule @nope; known: @creditcard, @password/);
  });

  it('rejects unknown keys and values through the schema', () => {
    expect(() => redactionConfig({ summary: 'verbose' })).toThrow(/summary/);
    expect(() => redactionConfig({ hash_function: 'sha256' })).toThrow(/hash_function/);
    expect(() => redactionConfig({ masking_string: '[REDACTED]' })).toThrow(/masking_string/);
  });
});
