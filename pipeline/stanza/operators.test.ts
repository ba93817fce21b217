import { describe, expect, it } from 'vitest';
import { newEntry, type Entry } from './entry.js';
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

  it('names an unsupported operator, a bad regex and an output that names nothing', () => {
    expect(validateOperators([{ type: 'json_parser' }, { type: 'lua' }])).toEqual([{ path: 'operators[1]', message: expect.stringMatching(/unsupported operator type "lua"; Summit supports: .*json_parser/) }]);
    expect(validateOperators([{ type: 'regex_parser', regex: '(' }])[0].message).toMatch(/regex_parser "regex_parser": Invalid regular expression/);
    expect(validateOperators([{ type: 'move', from: 'body', to: 'attributes.x', output: 'nowhere' }])[0].message).toMatch(/output "nowhere" names no operator/);
    expect(validateOperators([{ type: 'filter', expr: 'body ==' }])[0].message).toMatch(/invalid expression/);
  });
});
