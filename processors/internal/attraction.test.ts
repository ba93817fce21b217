import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { attrs } from '../../pipeline/builders.js';
import { withClientInfo } from '../../pipeline/client-info.js';
import type { Attributes } from '../../pipeline/model.js';
import { compileActions, hashValue, type ActionConfig } from './attraction.js';

function run(actions: ActionConfig[], input: Record<string, unknown>): Attributes {
  const { apply, problems } = compileActions(actions, 'actions');
  expect(problems).toEqual([]);
  const a = attrs(input);
  apply!(a);
  return a;
}

function problems(actions: unknown[]) {
  return compileActions(actions as ActionConfig[], 'actions').problems;
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('insert / update / upsert', () => {
  it('insert adds only an absent key', () => {
    expect(run([{ key: 'env', action: 'insert', value: 'prod' }], {})).toEqual(attrs({ env: 'prod' }));
    expect(run([{ key: 'env', action: 'insert', value: 'prod' }], { env: 'dev' })).toEqual(attrs({ env: 'dev' }));
  });

  it('update changes only a present key, in place', () => {
    expect(run([{ key: 'env', action: 'update', value: 'prod' }], {})).toEqual(new Map());
    const out = run([{ key: 'a', action: 'update', value: 'X' }], { a: '1', b: '2' });
    expect([...out]).toEqual([['a', 'X'], ['b', '2']]);
  });

  it('upsert sets whether or not the key exists', () => {
    expect(run([{ key: 'env', action: 'upsert', value: 'prod' }], {}).get('env')).toBe('prod');
    expect(run([{ key: 'env', action: 'upsert', value: 'prod' }], { env: 'dev' }).get('env')).toBe('prod');
  });

  it('converts YAML values with their types: integers to int64, others to doubles', () => {
    const out = run(
      [
        { key: 'i', action: 'insert', value: 42 },
        { key: 'd', action: 'insert', value: 1.5 },
        { key: 'b', action: 'insert', value: false },
      ],
      {},
    );
    expect(out.get('i')).toBe(42n);
    expect(out.get('d')).toBe(1.5);
    expect(out.get('b')).toBe(false);
  });

  it('copies from another attribute, and does nothing when that attribute is absent', () => {
    expect(run([{ key: 'to', action: 'upsert', from_attribute: 'from' }], { from: 7 }).get('to')).toBe(7n);
    expect(run([{ key: 'to', action: 'upsert', from_attribute: 'from' }], { to: 'keep' }).get('to')).toBe('keep');
  });

  it('never lets two attribute maps share one container value', () => {
    const { apply } = compileActions([{ key: 'tags', action: 'insert', value: ['a'] }, { key: 'copy', action: 'insert', from_attribute: 'tags' }], 'actions');
    const a = new Map();
    const b = new Map();
    apply!(a);
    apply!(b);
    (a.get('tags') as string[]).push('mutated');
    expect(b.get('tags')).toEqual(['a']);
    expect(a.get('copy')).toEqual(['a']);
  });

  it('accepts the action name in any case, as upstream', () => {
    expect(run([{ key: 'k', action: 'INSERT', value: 'v' }], {}).get('k')).toBe('v');
  });
});

describe('delete', () => {
  it('deletes by key', () => {
    expect(run([{ key: 'secret', action: 'delete' }], { secret: 's', keep: 1 })).toEqual(attrs({ keep: 1 }));
  });

  it('deletes every key matching the pattern (unanchored) and the key', () => {
    const out = run([{ key: 'x', action: 'delete', pattern: '^http\\.request\\.header\\.' }], {
      'http.request.header.authorization': 'a',
      'http.request.header.cookie': 'c',
      'http.method': 'GET',
      x: 1,
    });
    expect([...out.keys()]).toEqual(['http.method']);
  });
});

describe('hash', () => {
  it('replaces a string with its SHA-256 hex', () => {
    expect(run([{ key: 'user', action: 'hash' }], { user: 'abc' }).get('user')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('hashes scalars from the same bytes as upstream (little-endian int64 / float64, one byte per bool)', () => {
    const int = Buffer.alloc(8);
    int.writeBigInt64LE(-2n);
    expect(hashValue(-2n)).toBe(sha256(int));
    const dbl = Buffer.alloc(8);
    dbl.writeDoubleLE(1.5);
    expect(hashValue(1.5)).toBe(sha256(dbl));
    expect(hashValue(true)).toBe(sha256(Buffer.of(1)));
    expect(hashValue(false)).toBe(sha256(Buffer.of(0)));
  });

  it('hashes other types by their canonical string form instead of blanking them', () => {
    expect(hashValue(new Uint8Array([1, 2, 255]))).toBe(sha256('AQL/'));
    expect(hashValue(new Map([['a', 1n]]))).toBe(sha256('{"a":1}'));
  });

  it('hashes keys matching the pattern, a key also named explicitly only once', () => {
    const out = run([{ key: 'user.email', action: 'hash', pattern: '^user\\.' }], { 'user.email': 'abc', 'user.name': 'abc', other: 'abc' });
    expect(out.get('user.email')).toBe(sha256('abc'));
    expect(out.get('user.name')).toBe(sha256('abc'));
    expect(out.get('other')).toBe('abc');
  });

  it('leaves an absent key alone', () => {
    expect(run([{ key: 'user', action: 'hash' }], {})).toEqual(new Map());
  });
});

describe('extract', () => {
  const extract: ActionConfig = { key: 'http.url', action: 'extract', pattern: '^/api/(?P<version>v\\d+)/users/(?P<user_id>\\d+)(?P<suffix>/.*)?$' };

  it('adds one attribute per named group, overwriting existing ones', () => {
    const out = run([extract], { 'http.url': '/api/v2/users/42', version: 'old' });
    expect(out.get('version')).toBe('v2');
    expect(out.get('user_id')).toBe('42');
    expect(out.get('suffix')).toBe(''); // a group that did not take part is "", as Go's FindStringSubmatch
    expect(out.get('http.url')).toBe('/api/v2/users/42');
  });

  it('does nothing when the value does not match or is not a string', () => {
    expect(run([extract], { 'http.url': '/other' })).toEqual(attrs({ 'http.url': '/other' }));
    expect(run([extract], { 'http.url': 5 })).toEqual(attrs({ 'http.url': 5 }));
  });
});

describe('convert', () => {
  const convert = (type: string, v: unknown) => {
    // Doubles are set directly: attrs() (toAnyValue) would turn an integral double into an int64.
    const a: Attributes = typeof v === 'number' ? new Map([['k', v]]) : attrs({ k: v });
    compileActions([{ key: 'k', action: 'convert', converted_type: type }], 'actions').apply!(a);
    return a.get('k');
  };

  it('to int: parses decimal strings exactly, truncates doubles, maps bools', () => {
    expect(convert('int', '9223372036854775807')).toBe(9223372036854775807n);
    expect(convert('int', '-12')).toBe(-12n);
    expect(convert('int', 2.9)).toBe(2n);
    expect(convert('int', -2.9)).toBe(-2n);
    expect(convert('int', true)).toBe(1n);
  });

  it('to int: leaves unconvertible values unchanged', () => {
    expect(convert('int', '12a')).toBe('12a');
    expect(convert('int', ' 12')).toBe(' 12');
    expect(convert('int', '9223372036854775808')).toBe('9223372036854775808');
    expect(convert('int', 1e300)).toBe(1e300);
  });

  it('to double', () => {
    expect(convert('double', '1.5')).toBe(1.5);
    expect(convert('double', '-1e3')).toBe(-1000);
    expect(convert('double', 3n)).toBe(3);
    expect(convert('double', 9007199254740993n)).toBe(9007199254740992);
    expect(convert('double', false)).toBe(0);
    expect(convert('double', 'Inf')).toBe(Infinity);
    expect(convert('double', 'abc')).toBe('abc');
    expect(convert('double', '')).toBe('');
    expect(convert('double', '1e400')).toBe('1e400');
  });

  it('to string, as pdata AsString', () => {
    expect(convert('string', 123n)).toBe('123');
    expect(convert('string', 2)).toBe('2'); // a double 2.0, as Go's AsString
    expect(convert('string', 1.25)).toBe('1.25');
    expect(convert('string', true)).toBe('true');
    expect(convert('string', { a: 1 })).toBe('{"a":1}');
  });

  it('does nothing when the key is absent', () => {
    expect(run([{ key: 'k', action: 'convert', converted_type: 'int' }], {})).toEqual(new Map());
  });
});

it('applies actions in order', () => {
  const out = run(
    [
      { key: 'a', action: 'insert', value: 'x' },
      { key: 'b', action: 'upsert', from_attribute: 'a' },
      { key: 'a', action: 'delete' },
    ],
    {},
  );
  expect(out).toEqual(attrs({ b: 'x' }));
});

describe('validation', () => {
  it('requires a non-empty list', () => {
    expect(problems([])).toEqual([{ path: 'actions', message: expect.stringMatching(/at least one action/) }]);
  });

  it('names an unknown action and lists the valid ones', () => {
    expect(problems([{ key: 'a', action: 'insert', value: 1 }, {}, { key: 'a', action: 'rename' }])).toEqual([
      { path: 'actions[1].action', message: expect.stringMatching(/"action" is required: one of insert, update, upsert, delete, hash, extract, convert/) },
      { path: 'actions[2].action', message: 'unknown action "rename": valid actions are insert, update, upsert, delete, hash, extract, convert' },
    ]);
  });

  it('requires key, and exactly one value source, for insert/update/upsert', () => {
    expect(problems([{ action: 'insert', value: 1 }])).toEqual([{ path: 'actions[0].key', message: '"key" is required for action "insert"' }]);
    expect(problems([{ key: 'k', action: 'update' }])).toEqual([
      { path: 'actions[0]', message: 'action "update" needs one of "value", "from_attribute" or "from_context"' },
    ]);
    expect(problems([{ key: 'k', action: 'upsert', value: 1, from_attribute: 'x' }])).toEqual([
      { path: 'actions[0]', message: 'action "upsert" sets "value" and "from_attribute": use exactly one value source' },
    ]);
  });

  it('from_context reads the client the data came with: metadata, auth attributes, address', () => {
    const client = { address: '10.0.0.7:5000', metadata: { 'x-tenant': ['acme', 'beta'] }, auth: { username: 'ann' } };
    const actions: ActionConfig[] = [
      { key: 'tenant', action: 'insert', from_context: 'metadata.x-tenant' },
      { key: 'user', action: 'insert', from_context: 'auth.username' },
      { key: 'peer', action: 'insert', from_context: 'client.address' },
      { key: 'absent', action: 'insert', from_context: 'metadata.nope' },
    ];
    expect(withClientInfo(client, () => run(actions, {}))).toEqual(attrs({ tenant: 'acme;beta', user: 'ann', peer: '10.0.0.7:5000' }));
    expect(run(actions, {})).toEqual(new Map());
  });

  it('rejects fields an action does not use', () => {
    expect(problems([{ key: 'k', action: 'insert', value: 1, pattern: 'x' }])).toEqual([
      { path: 'actions[0].pattern', message: 'action "insert" does not use "pattern"' },
    ]);
    expect(problems([{ key: 'k', action: 'delete', value: 1, converted_type: 'int' }])).toEqual([
      { path: 'actions[0].value', message: 'action "delete" does not use "value"' },
      { path: 'actions[0].converted_type', message: expect.stringMatching(/only "convert" does/) },
    ]);
    expect(problems([{ key: 'k', action: 'convert', converted_type: 'int', from_attribute: 'x' }])).toEqual([
      { path: 'actions[0].from_attribute', message: 'action "convert" does not use "from_attribute"' },
    ]);
  });

  it('requires key or pattern for delete and hash', () => {
    expect(problems([{ action: 'hash' }])).toEqual([{ path: 'actions[0]', message: 'action "hash" needs "key", "pattern" or both' }]);
    expect(problems([{ action: 'delete', pattern: '^x' }])).toEqual([]);
  });

  it('reports invalid regular expressions at the pattern', () => {
    expect(problems([{ action: 'delete', pattern: '(' }])).toEqual([
      { path: 'actions[0].pattern', message: expect.stringMatching(/^invalid regular expression "\(":/) },
    ]);
  });

  it('requires extract patterns with named groups only', () => {
    expect(problems([{ key: 'k', action: 'extract' }])[0]).toMatchObject({ path: 'actions[0].pattern', message: expect.stringMatching(/requires "pattern"/) });
    expect(problems([{ key: 'k', action: 'extract', pattern: '^(\\d+)$' }])[0]).toMatchObject({ message: expect.stringMatching(/no named groups/) });
    expect(problems([{ key: 'k', action: 'extract', pattern: '^(?P<a>\\d+)-(\\d+)$' }])[0]).toMatchObject({ message: expect.stringMatching(/unnamed group/) });
    expect(problems([{ key: 'k', action: 'extract', pattern: '^(?P<a>\\d+)-(?:\\d+)$' }])).toEqual([]);
  });

  it('requires a known converted_type for convert', () => {
    expect(problems([{ key: 'k', action: 'convert' }])).toEqual([
      { path: 'actions[0].converted_type', message: 'action "convert" requires "converted_type": one of int, double, string' },
    ]);
    expect(problems([{ key: 'k', action: 'convert', converted_type: 'float' }])).toEqual([
      { path: 'actions[0].converted_type', message: 'unknown converted_type "float": valid types are int, double, string' },
    ]);
  });
});
