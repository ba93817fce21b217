import { describe, expect, it } from 'vitest';
import { ExpositionError, formatOf, parseExposition } from './exposition.js';

describe('exposition parser', () => {
  it('reads the text format: HELP escapes, TYPE, labels with escapes, timestamps, special values', () => {
    const e = parseExposition(
      [
        '# HELP http_requests_total The total\\nnumber of "requests" \\\\ all.',
        '# TYPE http_requests_total counter',
        'http_requests_total{method="post",code="200"} 1027 1395066363000',
        'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
        'something_weird{problem="division by zero",} +Inf -3982045',
        '  indented_nan NaN',
        '# a comment',
        '',
        'metric_without_labels 12.47',
      ].join('\n'),
      'text',
    );
    expect(e.metadata.get('http_requests_total')).toEqual({ type: 'counter', help: 'The total\nnumber of "requests" \\ all.', unit: '' });
    expect(e.samples[0]).toEqual({ series: 'http_requests_total{method="post",code="200"}', name: 'http_requests_total', labels: [['method', 'post'], ['code', '200']], value: 1027, timestampMs: 1395066363000 });
    expect(e.samples[1].labels).toEqual([['path', 'C:\\DIR\\FILE.TXT'], ['error', 'Cannot find file:\n"FILE.TXT"']]);
    expect(e.samples[2]).toMatchObject({ value: Infinity, timestampMs: -3982045 });
    expect(e.samples[3].value).toBeNaN();
    expect(e.samples[4]).toEqual({ series: 'metric_without_labels', name: 'metric_without_labels', labels: [], value: 12.47 });
  });

  it('reads OpenMetrics: UNIT, timestamps in seconds, exemplars, _created, quoted UTF-8 names, # EOF', () => {
    const e = parseExposition(
      [
        '# TYPE foo counter',
        '# UNIT foo seconds',
        '# HELP foo Foo.',
        'foo_total{a="b"} 17.0 1520879607.789 # {trace_id="4bf92f3577b34da6a3ce929d0e0e4736",span_id="00f067aa0ba902b7"} 0.67 1520879602.0',
        'foo_created{a="b"} 1520430000.123',
        '{"my.metric","a.b"="c"} 1',
        '# EOF',
      ].join('\n'),
      'openmetrics',
    );
    expect(e.metadata.get('foo')).toEqual({ type: 'counter', help: 'Foo.', unit: 'seconds' });
    expect(e.samples[0]).toEqual({
      series: 'foo_total{a="b"}',
      name: 'foo_total',
      labels: [['a', 'b']],
      value: 17,
      timestampMs: 1520879607789,
      exemplar: { labels: [['trace_id', '4bf92f3577b34da6a3ce929d0e0e4736'], ['span_id', '00f067aa0ba902b7']], value: 0.67, timestampMs: 1520879602000 },
    });
    expect(e.samples[1]).toMatchObject({ name: 'foo_created', value: 1520430000.123 });
    expect(e.samples[2]).toEqual({ series: '{"my.metric","a.b"="c"}', name: 'my.metric', labels: [['a.b', 'c']], value: 1 });
  });

  it('rejects garbage with the line and what was expected', () => {
    expect(() => parseExposition('ok 1\n<html><body>oops</body></html>\n', 'text')).toThrow(new ExpositionError('line 2: expected a metric name, found "<html><body>oops</body></html>"'));
    expect(() => parseExposition('a{b="c} 1\n', 'text')).toThrow(/line 1: unterminated/);
    expect(() => parseExposition('a 1 2 3\n', 'text')).toThrow(/line 1: unexpected "3"/);
    expect(() => parseExposition('a one\n', 'text')).toThrow(/line 1: invalid value "one" for a/);
    expect(() => parseExposition('a 1 12.5\n', 'text')).toThrow(/integer milliseconds/);
    expect(() => parseExposition('# TYPE a banana\n', 'text')).toThrow(/unknown metric type "banana"/);
    expect(() => parseExposition('a 1\n', 'openmetrics')).toThrow(/missing "# EOF"/);
    expect(() => parseExposition('# EOF\na 1\n', 'openmetrics')).toThrow(/after "# EOF"/);
    expect(() => parseExposition('\u0000\u0001\u0002 1', 'text')).toThrow(ExpositionError);
  });

  it('chooses the format from the Content-Type', () => {
    expect(formatOf('application/openmetrics-text; version=1.0.0; charset=utf-8')).toBe('openmetrics');
    expect(formatOf('text/plain; version=0.0.4')).toBe('text');
    expect(formatOf(undefined)).toBe('text');
  });
});
