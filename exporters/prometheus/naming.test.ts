import { describe, expect, it } from 'vitest';
import { boundLabel, escapeLabelValue, formatTimestamp, goFloat, openMetricsFloat } from './format.js';
import { escapeName, labelName, metricName, unitSuffixes, type MetricNamer, type TranslatorType } from './naming.js';

const SUFFIXES: MetricNamer = { namespace: '', withSuffixes: true, utf8Allowed: false };
const name = (n: string, unit: string, type: TranslatorType, namer: Partial<MetricNamer> = {}) => metricName({ ...SUFFIXES, ...namer }, n, unit, type);

describe('metric names (otlptranslator MetricNamer)', () => {
  it.each([
    // [OTLP name, unit, type, Prometheus name] — cases from otlptranslator's tests
    ['system.filesystem.usage', 'By', 'gauge', 'system_filesystem_usage_bytes'],
    ['system.network.dropped', '{packets}', 'monotonicCounter', 'system_network_dropped_total'],
    ['http.server.duration', 'ms', 'histogram', 'http_server_duration_milliseconds'],
    ['http.server.request.duration', 's', 'histogram', 'http_server_request_duration_seconds'],
    ['process.cpu.time', 's', 'monotonicCounter', 'process_cpu_time_seconds_total'],
    ['system.cpu.utilization', '1', 'gauge', 'system_cpu_utilization_ratio'],
    ['system.cpu.utilization', '1', 'nonMonotonicCounter', 'system_cpu_utilization'],
    ['requests', '1', 'monotonicCounter', 'requests_total'],
    ['requests.total', '', 'monotonicCounter', 'requests_total'],
    ['total.requests', '', 'monotonicCounter', 'requests_total'],
    ['ratio.gauge', '1', 'gauge', 'gauge_ratio'],
    ['throughput', 'By/s', 'gauge', 'throughput_bytes_per_second'],
    ['rate', '1/s', 'gauge', 'rate_per_second'],
    ['rate', '{req}/s', 'monotonicCounter', 'rate_per_second_total'],
    ['speed', 'm/s', 'gauge', 'speed_meters_per_second'],
    ['temperature', 'Cel', 'gauge', 'temperature_celsius'],
    ['queue.size', 'KiBy', 'gauge', 'queue_size_kibibytes'],
    ['disk.io', 'By', 'monotonicCounter', 'disk_io_bytes_total'],
    ['already_seconds', 's', 'gauge', 'already_seconds'],
    ['unknown.unit', 'furlongs', 'gauge', 'unknown_unit_furlongs'],
    ['weird.unit', 'foo.bar', 'gauge', 'weird_unit_foo_bar'],
    ['__leading__and__trailing__', '', 'gauge', 'leading_and_trailing'],
    ['0starts.with.digit', '', 'gauge', '_0starts_with_digit'],
    ['métrica.ñ', '', 'gauge', 'm_trica'],
    ['colons:are:ok', '', 'gauge', 'colons:are:ok'],
    ['percent', '%', 'gauge', 'percent'],
    ['cpu', '%', 'gauge', 'cpu_percent'],
  ] as const)('%s [%s] %s → %s', (n, unit, type, want) => {
    expect(name(n, unit, type)).toBe(want);
  });

  it('prefixes the namespace (cleaned of illegal characters)', () => {
    expect(name('http.requests', '1', 'monotonicCounter', { namespace: 'summit' })).toBe('summit_http_requests_total');
    expect(name('up', '', 'gauge', { namespace: 'test-space' })).toBe('test_space_up');
  });

  it('without suffixes only replaces illegal characters (keeping runs of _)', () => {
    const plain = { withSuffixes: false };
    expect(name('http.server.duration', 'ms', 'histogram', plain)).toBe('http_server_duration');
    expect(name('requests', '1', 'monotonicCounter', plain)).toBe('requests');
    expect(name('a..b__c', '', 'gauge', plain)).toBe('a_b__c');
    expect(name('1st', '', 'gauge', plain)).toBe('_1st');
    expect(name('x', '', 'gauge', { withSuffixes: false, namespace: 'ns' })).toBe('ns_x');
  });

  it('UTF-8 names keep their characters and get suffixes appended', () => {
    const utf8 = { utf8Allowed: true };
    expect(name('http.server.duration', 's', 'histogram', utf8)).toBe('http.server.duration_seconds');
    expect(name('requests.total', '1', 'monotonicCounter', utf8)).toBe('requests_total');
    expect(name('cpu.utilization', '1', 'gauge', utf8)).toBe('cpu.utilization_ratio');
    expect(name('bytes.in', 'By/s', 'monotonicCounter', utf8)).toBe('bytes.in_bytes_per_second_total');
    expect(name('x.y', 's', 'histogram', { utf8Allowed: true, withSuffixes: false })).toBe('x.y');
    // ... and a scraper that did not ask for UTF-8 names gets them escaped to underscores
    expect(escapeName('http.server.duration_seconds')).toBe('http_server_duration_seconds');
    expect(escapeName('1abc')).toBe('_abc');
    expect(escapeName('a:b', true)).toBe('a_b');
  });

  it('a name with nothing legal left is an error', () => {
    expect(name('...', '', 'gauge')).toBeInstanceOf(Error);
    expect(name('', '', 'gauge')).toBeInstanceOf(Error);
  });

  it('unit suffixes drop {annotations}', () => {
    expect(unitSuffixes('{requests}')).toEqual({ main: '', per: '' });
    expect(unitSuffixes('By/{tick}')).toEqual({ main: 'bytes', per: '' });
    expect(unitSuffixes('ms')).toEqual({ main: 'milliseconds', per: '' });
    expect(unitSuffixes('1')).toEqual({ main: '', per: '' });
  });
});

describe('label names (otlptranslator LabelNamer)', () => {
  it.each([
    ['http.method', 'http_method'],
    ['service.instance.id', 'service_instance_id'],
    ['_private', 'key_private'],
    ['__reserved__', '__reserved__'],
    ['0day', 'key_0day'],
    ['a-b c', 'a_b_c'],
    ['a..b', 'a__b'],
    ['ünïcode', 'key_n_code'],
  ])('%s → %s', (input, want) => {
    expect(labelName(input, false)).toBe(want);
  });

  it('empty or all-underscore results are errors', () => {
    expect(labelName('', false)).toBeInstanceOf(Error);
    expect(labelName('...', false)).toBeInstanceOf(Error);
    expect(labelName('__', false)).toBe('__');
  });
});

describe('value and label formatting', () => {
  it('formats le/quantile label values as Go strconv.FormatFloat(f, g, -1)', () => {
    expect([0.005, 0.5, 1, 10, 100000, 1e6, 1234567, 2.5e6, 1e-4, 1e-5, 0.00012345, 1e21, -1e6, 0].map(goFloat)).toEqual([
      '0.005', '0.5', '1', '10', '100000', '1e+06', '1.234567e+06', '2.5e+06', '0.0001', '1e-05', '0.00012345', '1e+21', '-1e+06', '0',
    ]);
    expect(goFloat(Infinity)).toBe('+Inf');
    expect(goFloat(NaN)).toBe('NaN');
  });

  it('OpenMetrics makes integral bounds floats', () => {
    expect([1, 0, 0.5, 1e6, 250].map(openMetricsFloat)).toEqual(['1.0', '0.0', '0.5', '1e+06', '250.0']);
    expect(boundLabel(5, false)).toBe('5');
    expect(boundLabel(5, true)).toBe('5.0');
  });

  it('escapes label values', () => {
    expect(escapeLabelValue('plain')).toBe('plain');
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
  });

  it('timestamps: milliseconds in text, exact seconds in OpenMetrics', () => {
    expect(formatTimestamp(1_700_000_000_123_456_789n, false)).toBe('1700000000123');
    expect(formatTimestamp(1_700_000_000_123_456_789n, true)).toBe('1700000000.123456789');
    expect(formatTimestamp(1_700_000_000_000_000_000n, true)).toBe('1700000000');
  });
});
