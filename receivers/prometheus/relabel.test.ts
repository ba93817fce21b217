import { describe, expect, it } from 'vitest';
import { compileRelabel, hashmod, relabelProblems, type RelabelConfig } from './relabel.js';

function run(rules: RelabelConfig[], labels: Record<string, string>): Record<string, string> | undefined {
  const map = new Map(Object.entries(labels));
  return compileRelabel(rules)(map) ? Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : 1))) : undefined;
}

describe('relabeling', () => {
  it('replace: defaults, groups, ${name}, $$, anchoring, empty result deletes the target', () => {
    expect(run([{ source_labels: ['a'], target_label: 'b' }], { a: 'x' })).toEqual({ a: 'x', b: 'x' });
    expect(run([{ source_labels: ['id'], regex: '/docker/(.{12}).*', replacement: '$1', target_label: 'short_id' }], { id: '/docker/0123456789abcdef' })).toEqual({ id: '/docker/0123456789abcdef', short_id: '0123456789ab' });
    expect(run([{ source_labels: ['a', 'b'], separator: ':', regex: '(?P<x>\\w+):(\\w+)', replacement: '${x}-$2-$$', target_label: 'c' }], { a: 'p', b: 'q' })).toMatchObject({ c: 'p-q-$' });
    // regexes are anchored: "x" does not match "axb"
    expect(run([{ source_labels: ['a'], regex: 'x', replacement: 'hit', target_label: 'c' }], { a: 'axb' })).toEqual({ a: 'axb' });
    expect(run([{ source_labels: ['a'], regex: '.*', replacement: '', target_label: 'b' }], { a: 'x', b: 'old' })).toEqual({ a: 'x' });
    // $1x names group "1x", which does not exist, as in Go
    expect(run([{ source_labels: ['a'], regex: '(.*)', replacement: '$1x', target_label: 'b' }], { a: 'v' })).toEqual({ a: 'v' });
    expect(run([{ source_labels: ['a'], regex: '(?i)ABC', replacement: 'yes', target_label: 'b' }], { a: 'abc' })).toMatchObject({ b: 'yes' });
    // the target label name expands too
    expect(run([{ source_labels: ['k'], regex: '(.*)', target_label: 'x_$1', replacement: 'v' }], { k: 'n' })).toEqual({ k: 'n', x_n: 'v' });
  });

  it('keep, drop, keepequal, dropequal', () => {
    expect(run([{ action: 'keep', source_labels: ['a'], regex: 'y.*' }], { a: 'x' })).toBeUndefined();
    expect(run([{ action: 'keep', source_labels: ['a'], regex: 'x' }], { a: 'x' })).toEqual({ a: 'x' });
    expect(run([{ action: 'drop', source_labels: ['short_id'], regex: 'buildx|buildkit' }], { short_id: 'buildkit' })).toBeUndefined();
    expect(run([{ action: 'drop', source_labels: ['missing'], regex: '' }], {})).toBeUndefined();
    expect(run([{ action: 'keepequal', source_labels: ['a'], target_label: 'b' }], { a: '1', b: '2' })).toBeUndefined();
    expect(run([{ action: 'dropequal', source_labels: ['a'], target_label: 'b' }], { a: '1', b: '1' })).toBeUndefined();
    expect(run([{ action: 'dropequal', source_labels: ['a'], target_label: 'b' }], { a: '1', b: '2' })).toEqual({ a: '1', b: '2' });
  });

  it('hashmod as Prometheus computes it (last 8 bytes of MD5, big-endian)', () => {
    // md5("foo") = acbd18db4cc2f85cedef654fccc4a4d8 → 0xedef654fccc4a4d8
    expect(hashmod('foo', 1000)).toBe(0xedef654fccc4a4d8n % 1000n);
    expect(run([{ action: 'hashmod', source_labels: ['a'], modulus: 1000, target_label: 'shard' }], { a: 'foo' })).toMatchObject({ shard: String(0xedef654fccc4a4d8n % 1000n) });
  });

  it('labelmap, labeldrop, labelkeep, lowercase, uppercase', () => {
    expect(run([{ action: 'labelmap', regex: '__meta_(.+)', replacement: 'm_$1' }], { __meta_zone: 'a', job: 'j' })).toEqual({ __meta_zone: 'a', job: 'j', m_zone: 'a' });
    expect(run([{ action: 'labeldrop', regex: 'tmp_.*' }], { tmp_a: '1', keep: '2' })).toEqual({ keep: '2' });
    expect(run([{ action: 'labelkeep', regex: 'job|instance' }], { job: 'j', instance: 'i', other: 'o' })).toEqual({ instance: 'i', job: 'j' });
    expect(run([{ action: 'lowercase', source_labels: ['a'], target_label: 'b' }], { a: 'MiX' })).toMatchObject({ b: 'mix' });
    expect(run([{ action: 'uppercase', source_labels: ['a'], target_label: 'b' }], { a: 'MiX' })).toMatchObject({ b: 'MIX' });
  });

  it('reports misconfigured rules by key', () => {
    expect(relabelProblems({ action: 'explode' }, 'r.')).toEqual([{ path: 'r.action', message: expect.stringContaining('unknown relabel action "explode"') }]);
    expect(relabelProblems({ action: 'hashmod', source_labels: ['a'], target_label: 't' }, 'r.')).toEqual([{ path: 'r.modulus', message: expect.stringContaining('modulus') }]);
    expect(relabelProblems({ action: 'replace', source_labels: ['a'] }, 'r.')).toEqual([{ path: 'r.target_label', message: expect.stringContaining('requires target_label') }]);
    expect(relabelProblems({ regex: '(' }, 'r.')[0].path).toBe('r.regex');
  });
});
