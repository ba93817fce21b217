import { describe, expect, it } from 'vitest';
import type { Frame } from '../../pipeline/exceptions/model.js';
import { Component } from './component.js';
import { applyEffects, Enhancer } from './enhancer.js';
import { parseFingerprintRules } from './fingerprint-rules.js';
import { parseStacktraceRules } from './stacktrace-rules.js';

describe('stack trace rules: syntax', () => {
  it('matchers, negation, quoted values, caller/callee, range flags, variables, comments', () => {
    const [a, b, c] = parseStacktraceRules(
      [
        '# comment line',
        'stack.abs_path:**/node_modules/** !function:"keep me"   -app -group  # trailing comment',
        '[ category:gl ] | category:gl category=internals',
        'family:native error.type:"Segmentation *" | [ function:abort ]  ^-group v+app max-frames=3 min-frames=2',
        '',
      ].join('\n'),
    );
    expect(a.matchers).toEqual([
      { key: 'path', pattern: '**/node_modules/**', negated: false },
      { key: 'function', pattern: 'keep me', negated: true },
    ]);
    expect(a.actions).toEqual([
      { kind: 'flag', key: 'app', flag: false },
      { kind: 'flag', key: 'group', flag: false },
    ]);
    expect(a.text).toBe('path:**/node_modules/** !function:"keep me" -app -group');
    expect(b.matchers[0]).toEqual({ key: 'category', pattern: 'gl', negated: false, relative: 'caller' });
    expect(b.text).toBe('[ category:gl ] | category:gl category=internals');
    expect(c.matchers.map((m) => [m.key, m.relative])).toEqual([
      ['family', undefined],
      ['type', undefined],
      ['function', 'callee'],
    ]);
    expect(c.actions).toEqual([
      { kind: 'flag', key: 'group', flag: false, range: 'up' },
      { kind: 'flag', key: 'app', flag: true, range: 'down' },
      { kind: 'var', name: 'max-frames', value: 3 },
      { kind: 'var', name: 'min-frames', value: 2 },
    ]);
  });

  it('says what is wrong and where', () => {
    expect(() => parseStacktraceRules('\nfoo:bar -app')).toThrow(/unknown matcher "foo" .* \(line 2, column 1\)/);
    expect(() => parseStacktraceRules('module:x')).toThrow(/needs at least one action/);
    expect(() => parseStacktraceRules('module:x -app function:y')).toThrow(/matchers must come before actions near "function:y" \(line 1, column 15\)/);
    expect(() => parseStacktraceRules('module:x +prefix')).toThrow(/unknown action "prefix"/);
    expect(() => parseStacktraceRules('module:x max-frames=many')).toThrow(/max-frames needs a whole number/);
    expect(() => parseStacktraceRules('module:"x -app')).toThrow(/unterminated quoted string/);
  });
});

const frames = (...fs: Frame[]) => fs.map((f) => ({ ...f }));
const component = () => new Component('frame', ['x']);

describe('stack trace rules: effect', () => {
  it('in-app marks apply rule by rule, later rules seeing earlier marks; the SDK value is kept', () => {
    const enhancer = new Enhancer(parseStacktraceRules('module:acme.* +app\nmodule:acme.vendor.* -app\napp:yes function:handle* category=entry'));
    const fs = frames({ module: 'acme.web', function: 'handleRequest', in_app: false }, { module: 'acme.vendor.lib', function: 'handleX' }, { module: 'other' });
    applyEffects(fs, enhancer.frameEffects(fs, 'python', {}));
    expect(fs.map((f) => f.in_app)).toEqual([true, false, undefined]);
    expect(fs[0].data).toEqual({ orig_in_app: 0, category: 'entry' });
    expect(fs[1].data).toEqual({ orig_in_app: -1 });
  });

  it('^ and v reach the frames towards the crash and towards the thread start', () => {
    const enhancer = new Enhancer(parseStacktraceRules('function:boundary ^-group'));
    const fs = frames({ function: 'main' }, { function: 'boundary' }, { function: 'inner' }, { function: 'innermost' });
    const cs = fs.map(component);
    const st = enhancer.assembleStacktrace(cs, fs, enhancer.matchStack(fs, 'native', {}));
    expect(cs.map((c) => c.contributes)).toEqual([true, true, false, false]);
    expect(st.contributes).toBe(true);
  });

  it('caller and callee matchers look at the neighbouring frame', () => {
    const enhancer = new Enhancer(parseStacktraceRules('[ function:a ] | function:b -group\nfunction:c | [ function:d ] -group'));
    const fs = frames({ function: 'a' }, { function: 'b' }, { function: 'c' }, { function: 'b' }, { function: 'c' }, { function: 'd' });
    const cs = fs.map(component);
    enhancer.assembleStacktrace(cs, fs, enhancer.matchStack(fs, 'native', {}));
    expect(cs.map((c) => c.contributes)).toEqual([true, false, true, true, false, true]);
  });

  it('error.* matchers test the exception the stack belongs to', () => {
    const enhancer = new Enhancer(parseStacktraceRules('error.type:ChunkLoadError error.mechanism:onerror -group'));
    const fs = frames({ function: 'load' });
    const hit = [component()];
    enhancer.assembleStacktrace(hit, fs, enhancer.matchStack(fs, 'javascript', { type: 'ChunkLoadError', mechanism: 'onerror' }));
    const miss = [component()];
    enhancer.assembleStacktrace(miss, fs, enhancer.matchStack(fs, 'javascript', { type: 'ChunkLoadError' }));
    expect([hit[0].contributes, miss[0].contributes]).toEqual([false, true]);
  });

  it('max-frames keeps the frames nearest the crash; min-frames discards short stacks', () => {
    const max = new Enhancer(parseStacktraceRules('family:native max-frames=2'));
    const fs = frames({ function: 'a' }, { function: 'b' }, { function: 'c' });
    const cs = fs.map(component);
    max.assembleStacktrace(cs, fs, max.matchStack(fs, 'native', {}));
    expect(cs.map((c) => c.contributes)).toEqual([false, true, true]);
    expect(cs[0].hint).toBe('ignored because only 2 frames are considered by stack trace rule (family:native max-frames=2)');

    const min = new Enhancer(parseStacktraceRules('family:native min-frames=4'));
    const st = min.assembleStacktrace(fs.map(component), fs, min.matchStack(fs, 'native', {}));
    expect(st.contributes).toBe(false);
    expect(st.hint).toMatch(/^discarded because stack trace only contains 3 frames which is under the configured threshold/);
  });
});

describe('fingerprint rules: syntax', () => {
  it('matchers, fingerprint values separated by spaces or commas, variables, a title', () => {
    const [rule] = parseFingerprintRules('error.type:DatabaseUnavailable !tags.region:"eu-*" -> db, {{ transaction }} "two words" {{default}} title="DB down in {{ transaction }}"');
    expect(rule.matchers).toEqual([
      { key: 'type', pattern: 'DatabaseUnavailable', negated: false },
      { key: 'tags.region', pattern: 'eu-*', negated: true },
    ]);
    expect(rule.fingerprint).toEqual(['db', '{{ transaction }}', 'two words', '{{ default }}']);
    expect(rule.title).toBe('DB down in {{ transaction }}');
  });

  it('quoted patterns unescape like Sentry: \\\\ and \\" only, other escapes stay for the glob', () => {
    const [rule] = parseFingerprintRules('message:"say \\"hi\\" \\{\\*\\}" -> greeting');
    expect(rule.matchers[0].pattern).toBe('say "hi" \\{\\*\\}');
  });

  it('errors name the line and what is wrong', () => {
    expect(() => parseFingerprintRules('type:A -> a\ntype:B')).toThrow(/expected "->" .*\(line 2/);
    expect(() => parseFingerprintRules('colour:red -> x')).toThrow(/unknown matcher "colour"/);
    expect(() => parseFingerprintRules('type:A -> a colour="red"')).toThrow(/unknown attribute "colour"/);
    expect(() => parseFingerprintRules('type:A -> ')).toThrow(/fingerprint after "->" is empty/);
  });
});
