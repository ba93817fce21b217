import { describe, expect, it } from 'vitest';
import { entriesToLogs, newEntry, type Entry } from './entry.js';
import { OperatorPipeline, validateOperators, type OperatorConfig } from './operators.js';

function run(ops: OperatorConfig[], bodies: unknown[], attributes: Record<string, unknown> = {}): Entry[] {
  const p = OperatorPipeline.build(ops);
  const out: Entry[] = [];
  bodies.forEach((b, i) => {
    const e = newEntry(b, 0n);
    e.attributes = { ...attributes };
    e.source = { key: 'f', start: i * 10, end: i * 10 + 10 };
    p.process(e, (x) => out.push(x));
  });
  return out;
}

describe('stanza operators', () => {
  it('json_parser with embedded timestamp and severity, then move, copy, add, remove, flatten', () => {
    const [e] = run(
      [
        { type: 'json_parser', timestamp: { parse_from: 'attributes.ts', layout: '%Y-%m-%dT%H:%M:%S.%fZ' }, severity: { parse_from: 'attributes.level' } },
        { type: 'move', from: 'attributes.msg', to: 'body' },
        { type: 'copy', from: 'attributes.user.id', to: 'resource["user.id"]' },
        { type: 'flatten', field: 'attributes.user' },
        { type: 'add', field: 'attributes.env', value: 'prod' },
        { type: 'remove', field: 'attributes.ts' },
      ],
      ['{"ts":"2024-05-01T10:00:00.250Z","level":"warn","msg":"disk low","user":{"id":7,"name":"ann"}}'],
    );
    expect(e.body).toBe('disk low');
    expect(e.attributes).toEqual({ level: 'warn', id: 7, name: 'ann', env: 'prod' });
    expect(e.resource).toEqual({ 'user.id': 7 });
    expect(e.timestamp).toBe(1714557600250000000n);
    expect([e.severity, e.severityText]).toEqual([13, 'warn']);
  });

  it('regex_parser (Go named groups) with a gotime timestamp and a severity mapping of HTTP statuses', () => {
    const [e] = run(
      [
        {
          type: 'regex_parser',
          regex: '^(?P<time>\\S+ \\S+) (?P<status>\\d{3}) (?P<path>\\S+)$',
          timestamp: { parse_from: 'attributes.time', layout_type: 'gotime', layout: '2006-01-02 15:04:05' },
          severity: { parse_from: 'attributes.status', mapping: { error: '5xx', warn: ['404', { min: 400, max: 499 }], info: '2xx' } },
        },
      ],
      ['2024-05-01 10:00:00 503 /api'],
    );
    expect(e.attributes).toEqual({ time: '2024-05-01 10:00:00', status: '503', path: '/api' });
    expect(e.severity).toBe(17);
    expect(e.timestamp).toBe(1714557600000000000n);
  });

  it('key_value_parser and csv_parser (quotes), epoch time_parser and severity_parser', () => {
    const [kv] = run([{ type: 'key_value_parser' }, { type: 'time_parser', parse_from: 'attributes.t', layout_type: 'epoch', layout: 's.ms' }], [
      'user=ann msg="hello world" t=1714557600.5',
    ]);
    expect(kv.attributes).toEqual({ user: 'ann', msg: 'hello world', t: '1714557600.5' });
    expect(kv.timestamp).toBe(1714557600500000000n);
    const [csv] = run([{ type: 'csv_parser', header: 'a,b,c' }, { type: 'severity_parser', parse_from: 'attributes.c' }], ['1,"x, ""y""",ERROR']);
    expect(csv.attributes).toEqual({ a: '1', b: 'x, "y"', c: 'ERROR' });
    expect(csv.severity).toBe(17);
  });

  it('router sends by expression, filter drops, and entries that fail a parser go on unparsed (on_error: send) or are dropped (drop)', () => {
    const ops: OperatorConfig[] = [
      { type: 'router', routes: [{ expr: 'body matches "^\\\\{"', output: 'json' }], default: 'plain' },
      { type: 'json_parser', id: 'json', output: 'drop_debug' },
      { type: 'add', id: 'plain', field: 'attributes.kind', value: 'plain', output: 'drop_debug' },
      { type: 'filter', id: 'drop_debug', expr: 'attributes.level == "debug" or body contains "noise"' },
    ];
    const out = run(ops, ['{"level":"debug"}', '{"level":"info"}', 'plain text', 'noise here', '{broken']);
    expect(out.map((e) => [e.body, e.attributes])).toEqual([
      ['{"level":"info"}', { level: 'info' }],
      ['plain text', { kind: 'plain' }],
      ['{broken', {}],
    ]);
    expect(run([{ type: 'json_parser', on_error: 'drop' }], ['{broken', '{"a":1}']).map((e) => e.attributes)).toEqual([{ a: 1 }]);
    expect(run([{ type: 'json_parser', if: 'body startsWith "{"' }], ['text']).map((e) => e.body)).toEqual(['text']);
  });

  it('recombine joins continuation lines per source and holds the open group (its start offset is not committed)', () => {
    const p = OperatorPipeline.build([{ type: 'recombine', combine_field: 'body', is_first_entry: 'body matches "^\\\\S"', force_flush_period: '0s' }]);
    const out: Entry[] = [];
    ['Exception in thread main', '  at a.b(C.java:1)', '  at d.e(F.java:2)', 'next record'].forEach((b, i) => {
      const e = newEntry(b, 0n);
      e.attributes['log.file.path'] = '/var/log/app.log';
      e.source = { key: 'f1', start: i * 30, end: i * 30 + 30 };
      p.process(e, (x) => out.push(x));
    });
    expect(out.map((e) => e.body)).toEqual(['Exception in thread main\n  at a.b(C.java:1)\n  at d.e(F.java:2)']);
    expect(out[0].source).toEqual({ key: 'f1', start: 0, end: 90 });
    expect(p.heldStarts()).toEqual(new Map([['f1', 90]]));
    p.flushStale((x) => out.push(x));
    expect(out.map((e) => e.body)).toEqual(['Exception in thread main\n  at a.b(C.java:1)\n  at d.e(F.java:2)', 'next record']);
    expect(p.heldStarts().size).toBe(0);
  });

  it('syslog_parser: RFC 5424 and RFC 3164 (wall clock in `location`), severity from the priority, PRI optional when allowed', () => {
    const [a] = run([{ type: 'syslog_parser', protocol: 'rfc5424' }], ['<165>1 2024-05-01T10:00:00.5Z host app 42 ID7 [ex@1 k="v"] hello']);
    expect(a.attributes).toEqual({ priority: 165, facility: 20, version: 1, hostname: 'host', appname: 'app', proc_id: '42', msg_id: 'ID7', message: 'hello', structured_data: { 'ex@1': { k: 'v' } } });
    expect([a.timestamp, a.severity, a.severityText]).toEqual([1714557600500000000n, 10, 'notice']);
    // the year is not in the message: this one, unless that puts it more than a week ahead
    const thisYear = new Date().getUTCFullYear();
    const year = Date.UTC(thisYear, 0, 5, 8) - Date.now() > 7 * 86_400_000 ? thisYear - 1 : thisYear;
    const [b] = run([{ type: 'syslog_parser', protocol: 'rfc3164', location: 'America/New_York', parse_to: 'body' }], ['<11>Jan  5 08:00:00 web1 sshd[77]: denied']);
    expect(b.body).toEqual({ priority: 11, facility: 1, hostname: 'web1', appname: 'sshd', proc_id: '77', message: 'denied' });
    expect(b.timestamp).toBe(BigInt(Date.UTC(year, 0, 5, 13)) * 1_000_000n); // New York in January is UTC-5
    const [c] = run([{ type: 'syslog_parser', protocol: 'rfc5424', allow_skip_pri_header: true }], ['1 - host app - - - no priority']);
    expect(c.attributes).toEqual({ version: 1, hostname: 'host', appname: 'app', message: 'no priority' });
    expect(c.severity).toBe(0);
    expect(run([{ type: 'syslog_parser', protocol: 'rfc5424', on_error: 'drop' }], ['1 - host app - - - no priority'])).toEqual([]);
    expect(validateOperators([{ type: 'syslog_parser', protocol: 'rfc3164', location: 'Mars/Olympus' }])[0].message).toMatch(/unknown time zone "Mars\/Olympus"/);
    expect(validateOperators([{ type: 'syslog_parser' }])[0].message).toMatch(/"protocol": expected rfc5424 or rfc3164/);
  });

  it('uri_parser: absolute URIs, request paths and bare query strings as upstream (repeated parameters kept as lists)', () => {
    const [a, b, c] = run([{ type: 'uri_parser' }], [
      'HTTPS://ann:pw@example.com:8443/a/b%20c?x=1&x=2&y=%C3%A9+z#frag',
      '/v1/items?id=7&flag',
      '?user=ann',
    ]);
    expect(a.attributes).toEqual({ scheme: 'https', user: 'ann', host: 'example.com', port: '8443', path: '/a/b%20c', query: { x: ['1', '2'], y: ['é z#frag'] } });
    expect(b.attributes).toEqual({ path: '/v1/items', query: { id: ['7'], flag: [''] } });
    expect(c.attributes).toEqual({ query: { user: ['ann'] } });
    expect(run([{ type: 'uri_parser' }], ['http://[::1]:80/'])[0].attributes).toEqual({ scheme: 'http', host: '::1', port: '80', path: '/' });
    expect(run([{ type: 'uri_parser', on_error: 'drop' }], ['relative/path', '/ok?bad=%zz'])).toEqual([]);
  });

  it('trace_parser and a parser\'s trace block set trace id, span id and flags from hex; bad hex is an error, a missing field is left alone', () => {
    const [a] = run([{ type: 'json_parser', parse_to: 'body', trace: { trace_id: { parse_from: 'body.tid' } } }, { type: 'trace_parser' }], [
      '{"tid":"0AF7651916CD43DD8448EB211C80319C","span_id":"b7ad6b7169203331","trace_flags":"01"}',
    ]);
    expect([a.traceId, a.spanId, a.traceFlags]).toEqual(['0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331', 1]);
    const [b] = run([{ type: 'trace_parser', trace_id: { parse_from: 'attributes.t' } }], ['x'], { t: 'zz' });
    expect([b.traceId, b.body]).toEqual(['', 'x']);
    expect(run([{ type: 'trace_parser', trace_id: { parse_from: 'attributes.t' }, on_error: 'drop' }], ['x'], { t: '0af765' })).toEqual([]);
  });

  it('scope_name_parser sets the scope the record is exported under; entries of one resource are grouped by scope', () => {
    const out = run([{ type: 'regex_parser', regex: '^(?P<logger>\\S+) (?P<msg>.*)$', scope_name: { parse_from: 'attributes.logger' } }], ['db.pool slow query', 'http ok', 'db.pool timeout']);
    const logs = entriesToLogs([...out, newEntry('unnamed', 0n)], 'filelog');
    expect(logs.resourceLogs[0].scopeLogs.map((s) => [s.scope.name, s.logRecords.length])).toEqual([['db.pool', 2], ['http', 1], ['filelog', 1]]);
  });

  it('timestamp.location: a time without an offset is wall-clock time in that zone, across daylight saving', () => {
    const parse = (t: string) => run([{ type: 'time_parser', parse_from: 'body', layout: '%Y-%m-%d %H:%M:%S', location: 'Europe/Berlin' }], [t])[0].timestamp;
    expect(parse('2024-01-15 12:00:00')).toBe(BigInt(Date.UTC(2024, 0, 15, 11)) * 1_000_000n);
    expect(parse('2024-07-15 12:00:00')).toBe(BigInt(Date.UTC(2024, 6, 15, 10)) * 1_000_000n);
    const withZone = run([{ type: 'time_parser', parse_from: 'body', layout: '%Y-%m-%d %H:%M:%S %z', location: 'Europe/Berlin' }], ['2024-07-15 12:00:00 +0000']);
    expect(withZone[0].timestamp).toBe(BigInt(Date.UTC(2024, 6, 15, 12)) * 1_000_000n);
    expect(validateOperators([{ type: 'time_parser', layout: '%H', location: 'Nowhere/Zone' }])[0].message).toMatch(/unknown time zone/);
  });

  it('names an unsupported operator, a bad regex and an output that names nothing', () => {
    expect(validateOperators([{ type: 'json_parser' }, { type: 'lua' }])).toEqual([{ path: 'operators[1]', message: expect.stringMatching(/unsupported operator type "lua"; Summit supports: .*json_parser/) }]);
    expect(validateOperators([{ type: 'regex_parser', regex: '(' }])[0].message).toMatch(/regex_parser "regex_parser": Invalid regular expression/);
    expect(validateOperators([{ type: 'move', from: 'body', to: 'attributes.x', output: 'nowhere' }])[0].message).toMatch(/output "nowhere" names no operator/);
    expect(validateOperators([{ type: 'filter', expr: 'body ==' }])[0].message).toMatch(/invalid expression/);
  });
});
