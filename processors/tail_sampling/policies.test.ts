import { describe, expect, it } from 'vitest';
import { attrs } from '../../pipeline/builders.js';
import { StatusCode } from '../../pipeline/model.js';
import { buildPolicy, combine, fnv1a64, type Decision, type Policy } from './policies.js';
import { loadConfig, tid, traceOf } from './testing.js';

const clock = { t: 1_000_000 };
const env = { now: () => clock.t };

/** The policies of upstream's README example, each by name. */
function readmePolicies(): Map<string, Policy> {
  const config = loadConfig(`
policies:
  [
    { name: test-policy-1, type: always_sample },
    { name: test-policy-2, type: latency, latency: {threshold_ms: 5000, upper_threshold_ms: 10000} },
    { name: test-policy-3, type: numeric_attribute, numeric_attribute: {key: key1, min_value: 50, max_value: 100} },
    { name: test-policy-4, type: probabilistic, probabilistic: {sampling_percentage: 10} },
    { name: test-policy-5, type: status_code, status_code: {status_codes: [ERROR, UNSET]} },
    { name: test-policy-6, type: string_attribute, string_attribute: {key: key2, values: [value1, value2]} },
    { name: test-policy-7, type: string_attribute, string_attribute: {key: key2, values: [value1, val*], enabled_regex_matching: true, cache_max_size: 10} },
    { name: test-policy-8, type: rate_limiting, rate_limiting: {spans_per_second: 35} },
    { name: test-policy-9, type: bytes_limiting, bytes_limiting: {bytes_per_second: 1024000, burst_capacity: 2048000} },
    { name: test-policy-10, type: span_count, span_count: {min_spans: 2, max_spans: 20} },
    { name: test-policy-11, type: trace_state, trace_state: { key: key3, values: [value1, value2] } },
    { name: test-policy-12, type: boolean_attribute, boolean_attribute: {key: key4, value: true} },
    { name: test-policy-13, type: ottl_condition, ottl_condition: {
        error_mode: ignore,
        span: ['attributes["test_attr_key_1"] == "test_attr_val_1"', 'attributes["test_attr_key_2"] != "test_attr_val_1"'],
        spanevent: ['name != "test_span_event_name"', 'attributes["test_event_attr_key_2"] != "test_event_attr_val_1"'] } },
    { name: and-policy-1, type: and, and: { and_sub_policy: [
        { name: test-and-policy-1, type: numeric_attribute, numeric_attribute: { key: key1, min_value: 50, max_value: 100 } },
        { name: test-and-policy-2, type: string_attribute, string_attribute: { key: key2, values: [ value1, value2 ] } } ] } },
    { name: drop-policy-1, type: drop, drop: { drop_sub_policy: [
        { name: test-drop-policy-1, type: string_attribute, string_attribute: {key: url.path, values: ['\\/health', '\\/metrics'], enabled_regex_matching: true} } ] } },
    { name: composite-policy-1, type: composite, composite: {
        max_total_spans_per_second: 1000,
        policy_order: [test-composite-policy-1, test-composite-policy-2, test-composite-policy-3],
        composite_sub_policy: [
          { name: test-composite-policy-1, type: numeric_attribute, numeric_attribute: {key: key1, min_value: 50} },
          { name: test-composite-policy-2, type: string_attribute, string_attribute: {key: key2, values: [value1, value2]} },
          { name: test-composite-policy-3, type: always_sample } ],
        rate_allocation: [ { policy: test-composite-policy-1, percent: 50 }, { policy: test-composite-policy-2, percent: 25 } ] } },
    { name: issue-policy, type: issue },
    { name: flags, type: trace_flags }
  ]
`);
  return new Map(config.policies.map((p) => [p.name, buildPolicy(p, env)]));
}

const ms = (n: number) => BigInt(n) * 1_000_000n;

describe('tail_sampling policies (upstream README examples)', () => {
  const p = readmePolicies();
  const verdict = (name: string, ...args: Parameters<typeof traceOf>): Decision => p.get(name)!.evaluate(traceOf(...args));

  it('always_sample samples everything', () => {
    expect(verdict('test-policy-1', [{}])).toBe('sampled');
  });

  it('latency: from the earliest start to the latest end, within [threshold_ms, upper_threshold_ms]', () => {
    expect(verdict('test-policy-2', [{ startTimeUnixNano: 0n, endTimeUnixNano: ms(1000) }, { startTimeUnixNano: ms(4000), endTimeUnixNano: ms(6000) }])).toBe('sampled');
    expect(verdict('test-policy-2', [{ startTimeUnixNano: 0n, endTimeUnixNano: ms(4999) }])).toBe('not_sampled');
    expect(verdict('test-policy-2', [{ startTimeUnixNano: 0n, endTimeUnixNano: ms(10001) }])).toBe('not_sampled');
  });

  it('numeric_attribute: on the resource or any span, inclusive bounds', () => {
    expect(verdict('test-policy-3', [{}, { attributes: attrs({ key1: 50n }) }])).toBe('sampled');
    expect(verdict('test-policy-3', [{}], { key1: 100n })).toBe('sampled');
    expect(verdict('test-policy-3', [{ attributes: attrs({ key1: 101n }) }])).toBe('not_sampled');
    expect(verdict('test-policy-3', [{ attributes: attrs({ key1: '60' }) }])).toBe('not_sampled');
  });

  it('probabilistic: upstream’s FNV-1a hash of salt and trace id, about the configured share', () => {
    let sampled = 0;
    for (let i = 0; i < 20_000; i++) if (p.get('test-policy-4')!.evaluate(traceOf([{}], {}, tid(i * 7919 + 13))) === 'sampled') sampled++;
    // 10% of 20,000: mean 2,000, standard deviation ≈ 42; six sigma either way
    expect(sampled).toBeGreaterThan(2000 - 255);
    expect(sampled).toBeLessThan(2000 + 255);
    // The same trace id always gets the same verdict (instances agree without talking)
    const again = readmePolicies().get('test-policy-4')!;
    for (let i = 0; i < 200; i++) expect(again.evaluate(traceOf([{}], {}, tid(i)))).toBe(p.get('test-policy-4')!.evaluate(traceOf([{}], {}, tid(i))));
  });

  it('status_code: any span with a listed status', () => {
    expect(verdict('test-policy-5', [{ status: { code: StatusCode.Ok, message: '' } }, { status: { code: StatusCode.Error, message: 'x' } }])).toBe('sampled');
    expect(verdict('test-policy-5', [{ status: { code: StatusCode.Ok, message: '' } }])).toBe('not_sampled');
  });

  it('string_attribute: exact values, or regexes when enabled', () => {
    expect(verdict('test-policy-6', [{ attributes: attrs({ key2: 'value2' }) }])).toBe('sampled');
    expect(verdict('test-policy-6', [{ attributes: attrs({ key2: 'valueX' }) }])).toBe('not_sampled');
    expect(verdict('test-policy-7', [{ attributes: attrs({ key2: 'valueX' }) }])).toBe('sampled');
    expect(verdict('test-policy-7', [{ attributes: attrs({ key2: 'other' }) }])).toBe('not_sampled');
  });

  it('string_attribute invert_match: inverted decisions, absent key samples', () => {
    const inv = buildPolicy(loadConfig(`policies: [{ name: i, type: string_attribute, string_attribute: { key: k, values: [a], invert_match: true } }]`).policies[0], env);
    expect(inv.evaluate(traceOf([{ attributes: attrs({ k: 'a' }) }]))).toBe('inverted_not_sampled');
    expect(inv.evaluate(traceOf([{ attributes: attrs({ k: 'b' }) }]))).toBe('inverted_sampled');
    expect(inv.evaluate(traceOf([{}]))).toBe('inverted_sampled');
  });

  it('rate_limiting: spans per second, a new second starts afresh', () => {
    clock.t = 5_000_000;
    const twenty = Array.from({ length: 20 }, () => ({}));
    expect(verdict('test-policy-8', twenty)).toBe('sampled');
    expect(verdict('test-policy-8', twenty)).toBe('not_sampled');
    expect(verdict('test-policy-8', twenty.slice(0, 15))).toBe('sampled');
    clock.t += 1000;
    expect(verdict('test-policy-8', twenty)).toBe('sampled');
  });

  it('bytes_limiting: a token bucket of burst_capacity refilled at bytes_per_second', () => {
    const policy = buildPolicy(loadConfig(`policies: [{ name: b, type: bytes_limiting, bytes_limiting: { bytes_per_second: 1000 } }]`).policies[0], env);
    const big = traceOf([{ name: 'x'.repeat(1500) }]);
    expect(big.bytes).toBeGreaterThan(1500);
    expect(policy.evaluate(big)).toBe('sampled'); // burst defaults to 2 × rate
    expect(policy.evaluate(big)).toBe('not_sampled');
    clock.t += 2000;
    expect(policy.evaluate(big)).toBe('sampled');
    expect(verdict('test-policy-9', [{}])).toBe('sampled');
  });

  it('span_count: inclusive min and max', () => {
    expect(verdict('test-policy-10', [{}])).toBe('not_sampled');
    expect(verdict('test-policy-10', Array.from({ length: 20 }, () => ({})))).toBe('sampled');
    expect(verdict('test-policy-10', Array.from({ length: 21 }, () => ({})))).toBe('not_sampled');
  });

  it('trace_state: a key=value member with a listed value', () => {
    expect(verdict('test-policy-11', [{ traceState: 'rojo=00f067aa0ba902b7,key3=value2' }])).toBe('sampled');
    expect(verdict('test-policy-11', [{ traceState: 'key3=value3' }])).toBe('not_sampled');
  });

  it('boolean_attribute and trace_flags', () => {
    expect(verdict('test-policy-12', [{ attributes: attrs({ key4: true }) }])).toBe('sampled');
    expect(verdict('test-policy-12', [{ attributes: attrs({ key4: false }) }])).toBe('not_sampled');
    expect(verdict('flags', [{ flags: 0 }, { flags: 1 }])).toBe('sampled');
    expect(verdict('flags', [{ flags: 0 }])).toBe('not_sampled');
  });

  it('ottl_condition: any span or span event condition', () => {
    expect(verdict('test-policy-13', [{ attributes: attrs({ test_attr_key_1: 'test_attr_val_1', test_attr_key_2: 'test_attr_val_1' }) }])).toBe('sampled');
    expect(verdict('test-policy-13', [{ attributes: attrs({ test_attr_key_2: 'test_attr_val_1' }) }])).toBe('not_sampled');
    const event = { timeUnixNano: 0n, name: 'other', attributes: attrs(), droppedAttributesCount: 0 };
    expect(verdict('test-policy-13', [{ attributes: attrs({ test_attr_key_2: 'test_attr_val_1' }), events: [event] }])).toBe('sampled');
  });

  it('and: every sub-policy; drop: every sub-policy drops', () => {
    expect(verdict('and-policy-1', [{ attributes: attrs({ key1: 70n, key2: 'value1' }) }])).toBe('sampled');
    expect(verdict('and-policy-1', [{ attributes: attrs({ key1: 70n }) }])).toBe('not_sampled');
    expect(verdict('drop-policy-1', [{ attributes: attrs({ 'url.path': '/health' }) }])).toBe('dropped');
    expect(verdict('drop-policy-1', [{ attributes: attrs({ 'url.path': '/api' }) }])).toBe('not_sampled');
  });

  it('composite: sub-policies in policy_order, each within its rate allocation per second', () => {
    clock.t = 9_000_000;
    const c = readmePolicies().get('composite-policy-1')!;
    const hundred = (a: Record<string, unknown>) => traceOf(Array.from({ length: 100 }, () => ({ attributes: attrs(a) })));
    // policy 1 may take 50% of 1000 spans/s: five traces of 100 spans
    for (let i = 0; i < 5; i++) expect(c.evaluate(hundred({ key1: 60n }))).toBe('sampled');
    expect(c.evaluate(hundred({ key1: 60n }))).toBe('not_sampled');
    // policy 2 has 25%
    for (let i = 0; i < 2; i++) expect(c.evaluate(hundred({ key2: 'value1' }))).toBe('sampled');
    expect(c.evaluate(hundred({ key2: 'value1' }))).toBe('not_sampled');
    // always_sample fills what is left of the 1000
    for (let i = 0; i < 3; i++) expect(c.evaluate(hundred({}))).toBe('sampled');
    expect(c.evaluate(hundred({}))).toBe('not_sampled');
    clock.t += 1000;
    expect(c.evaluate(hundred({ key1: 60n }))).toBe('sampled');
  });

  it('issue: keeps a trace whose exception event opened or reopened an issue', () => {
    const exception = (a: Record<string, unknown>) => ({ timeUnixNano: 0n, name: 'exception', attributes: attrs({ 'issue.id': 'abc', ...a }), droppedAttributesCount: 0 });
    expect(verdict('issue-policy', [{}, { events: [exception({ 'issue.new': true })] }])).toBe('sampled');
    expect(verdict('issue-policy', [{ events: [exception({ 'issue.regressed': true })] }])).toBe('sampled');
    expect(verdict('issue-policy', [{ events: [exception({})] }])).toBe('not_sampled');
  });

  it('combines as upstream: any drop wins, an inverted not-sample vetoes, then any sample', () => {
    expect(combine(['sampled', 'dropped'])).toBe('dropped');
    expect(combine(['sampled', 'inverted_not_sampled'])).toBe('not_sampled');
    expect(combine(['sampled', 'not_sampled'])).toBe('sampled');
    expect(combine(['inverted_sampled', 'not_sampled'])).toBe('not_sampled');
    expect(combine(['inverted_sampled'])).toBe('sampled');
    expect(combine([])).toBe('not_sampled');
  });
});

describe('tail_sampling config', () => {
  it('has upstream’s defaults', () => {
    const c = loadConfig('policies: [{ name: a, type: always_sample }]');
    expect(c).toMatchObject({
      decision_wait: '30s',
      num_traces: 50000,
      expected_new_traces_per_sec: 0,
      decision_cache: { sampled_cache_size: 0, non_sampled_cache_size: 0 },
      sample_on_first_match: false,
      drop_pending_traces_on_shutdown: false,
      maximum_trace_size_bytes: 0,
    });
  });

  it('says which policy is wrong and why', () => {
    expect(() => loadConfig('policies: [{ name: a, type: string_attribute, string_attribute: { key: k, values: ["("], enabled_regex_matching: true } }]')).toThrow(
      /policies\[0\]\.string_attribute\.values\[0\]: invalid regular expression/,
    );
    expect(() => loadConfig('policies: [{ name: a, type: ottl_condition, ottl_condition: { span: ["nme == 1"] } }]')).toThrow(/policies\[0\]\.ottl_condition\.span: .*unknown path "nme"/);
    expect(() => loadConfig('policies: [{ name: a, type: numeric_attribute }]')).toThrow(/needs its "numeric_attribute" section/);
    expect(() =>
      loadConfig('policies: [{ name: c, type: composite, composite: { max_total_spans_per_second: 10, policy_order: [x], composite_sub_policy: [{ name: a, type: always_sample }] } }]'),
    ).toThrow(/policy_order\[0\]: no composite_sub_policy named "x"/);
  });
});

describe('fnv1a64', () => {
  it('is FNV-1a 64 (against a BigInt reference)', () => {
    const hex = (h: [number, number]) => h[0].toString(16).padStart(8, '0') + h[1].toString(16).padStart(8, '0');
    const ref = (salt: string, id: string) => {
      let h = 0xcbf29ce484222325n;
      for (const b of [...Buffer.from(salt), ...Buffer.from(id, 'hex')]) h = ((h ^ BigInt(b)) * 0x100000001b3n) & ((1n << 64n) - 1n);
      return h.toString(16).padStart(16, '0');
    };
    for (const [salt, id] of [['a', tid(0)], ['default-hash-seed', 'ffeeddccbbaa99887766554433221100'], ['', tid(123456789)]]) expect(hex(fnv1a64(salt, id))).toBe(ref(salt, id));
  });
});
