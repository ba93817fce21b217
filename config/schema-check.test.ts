import { describe, expect, it } from 'vitest';
import { durationSchema, parseDuration } from '../pipeline/duration.js';
import { objectSchema } from './schema-helpers.js';
import { checkAgainstSchema } from './schema-check.js';
import { debugSchema } from './testing.js';

describe('checkAgainstSchema', () => {
  it('fills in defaults', () => {
    const config = {};
    expect(checkAgainstSchema(debugSchema, config)).toEqual([]);
    expect(config).toEqual({ verbosity: 'basic', sampling_initial: 2, sampling_thereafter: 1 });
  });

  it('describes type errors with the value found', () => {
    expect(checkAgainstSchema(debugSchema, { sampling_initial: 'five' })).toEqual([
      { path: ['sampling_initial'], message: 'expected an integer, got string "five"' },
    ]);
    const s = objectSchema({ name: { type: 'string' }, tags: { type: 'array' }, opts: { type: 'object' } });
    expect(checkAgainstSchema(s, { name: 5, tags: {}, opts: [] }).map((i) => i.message)).toEqual([
      'expected a string, got number 5',
      'expected a list, got a map',
      'expected a map, got a list',
    ]);
  });

  it('reports only the type when a value of the wrong type also fails other rules', () => {
    expect(checkAgainstSchema(debugSchema, { verbosity: 1, sampling_initial: 'x' })).toEqual([
      { path: ['verbosity'], message: 'expected a string, got number 1' },
      { path: ['sampling_initial'], message: 'expected an integer, got string "x"' },
    ]);
  });

  it('never echoes the value of a secret key', () => {
    const s = objectSchema({ password: { type: 'string' }, user: { type: 'string' } });
    expect(checkAgainstSchema(s, { password: 123456 })[0].message).toBe('expected a string, got a number');
  });

  it('never echoes a header value, nor the userinfo of a URL', () => {
    const s = objectSchema({
      headers: { type: 'object', additionalProperties: { type: 'string' } },
      endpoint: { type: 'string', pattern: '^https?://', description: 'an http(s) URL' },
    });
    const messages = checkAgainstSchema(s, { headers: { 'x-honeycomb-team': 987654321 }, endpoint: 'ftp://user:a-very-long-password-that-would-be-cut-off-at-sixty@host' }).map((i) => i.message);
    expect(messages).toEqual(['expected a string, got a number', 'expected an http(s) URL; got string "ftp://***@host"']);
    expect(checkAgainstSchema(s, { headers: 'x-api-key: k-1' })[0].message).toBe('expected a map, got a string');
  });

  it('lists the choices of an enum, with a did-you-mean', () => {
    expect(checkAgainstSchema(debugSchema, { verbosity: 'detailled' })).toEqual([
      { path: ['verbosity'], message: 'expected one of: basic, normal, detailed; got string "detailled" (did you mean "detailed"?)' },
    ]);
  });

  it('names an unknown key with the valid ones and the likely one', () => {
    expect(checkAgainstSchema(debugSchema, { verbosty: 'basic' })).toEqual([
      {
        path: ['verbosty'],
        message: 'unknown key "verbosty"; valid keys: verbosity, sampling_initial, sampling_thereafter (did you mean "verbosity"?)',
      },
    ]);
  });

  it('reads a bare integer where a duration is expected as nanoseconds, as Go decodes it', () => {
    const s = objectSchema({ timeout: durationSchema('5s'), other: { type: 'string' } });
    const data = { timeout: 0 };
    expect(checkAgainstSchema(s, data)).toEqual([]);
    expect(data).toEqual({ timeout: '0s' });
    const long = { timeout: 1_500_000_000 };
    expect(checkAgainstSchema(s, long)).toEqual([]);
    expect(parseDuration(long.timeout as unknown as string)).toBe(1500);
    expect(checkAgainstSchema(s, { timeout: 1.5 })[0].path).toEqual(['timeout']);
    expect(checkAgainstSchema(s, { other: 0 })[0].message).toBe('expected a string, got number 0');
  });

  it('explains a pattern by the schema description', () => {
    const s = objectSchema({ timeout: durationSchema('5s') });
    expect(checkAgainstSchema(s, { timeout: '5 seconds' })).toEqual([
      { path: ['timeout'], message: 'expected duration, e.g. 200ms, 5s, 1m30s; got string "5 seconds"' },
    ]);
    expect(checkAgainstSchema(objectSchema({ id: { type: 'string', pattern: '^[a-z]+$' } }), { id: 'A' })[0].message).toBe(
      'expected text matching /^[a-z]+$/; got string "A"',
    );
  });

  it('states bounds and required keys', () => {
    const s = objectSchema(
      { port: { type: 'integer', minimum: 1, maximum: 65535 }, ratio: { type: 'number', exclusiveMaximum: 1 }, endpoint: { type: 'string', minLength: 1 } },
      ['endpoint'],
    );
    expect(checkAgainstSchema(s, { port: 0, ratio: 1 })).toEqual([
      { path: [], message: 'missing required key "endpoint"' },
      { path: ['port'], message: 'must be at least 1, got number 0' },
      { path: ['ratio'], message: 'must be less than 1, got number 1' },
    ]);
    expect(checkAgainstSchema(s, { endpoint: '', port: 70000 }).map((i) => i.message)).toEqual([
      'must be at most 65535, got number 70000',
      'must not be empty',
    ]);
  });

  it('reports nested paths with list indices', () => {
    const s = objectSchema({ targets: { type: 'array', items: objectSchema({ endpoint: { type: 'string' } }) } });
    expect(checkAgainstSchema(s, { targets: [{ endpoint: 'a' }, { endpont: 'b' }] })).toEqual([
      { path: ['targets', '1', 'endpont'], message: 'unknown key "endpont"; valid keys: endpoint (did you mean "endpoint"?)' },
    ]);
  });

  describe('anyOf / oneOf cascades', () => {
    const s = objectSchema({
      compression: { oneOf: [{ type: 'string', enum: ['gzip', 'none'] }, { type: 'boolean' }] },
      grpc: { anyOf: [{ type: 'null' }, objectSchema({ endpoint: { type: 'string' }, max_recv_msg_size_mib: { type: 'integer' } })] },
    });

    it('reports one "expected X or Y" when the value has the type of no alternative', () => {
      expect(checkAgainstSchema(s, { compression: 5 })).toEqual([{ path: ['compression'], message: 'expected a string or a boolean, got number 5' }]);
    });

    it('reports only the alternative whose type the value has', () => {
      expect(checkAgainstSchema(s, { compression: 'zip' })).toEqual([
        { path: ['compression'], message: 'expected one of: gzip, none; got string "zip" (did you mean "gzip"?)' },
      ]);
      expect(checkAgainstSchema(s, { grpc: { endpont: 'x', max_recv_msg_size_mib: 'big' } })).toEqual([
        { path: ['grpc', 'endpont'], message: 'unknown key "endpont"; valid keys: endpoint, max_recv_msg_size_mib (did you mean "endpoint"?)' },
        { path: ['grpc', 'max_recv_msg_size_mib'], message: 'expected an integer, got string "big"' },
      ]);
    });

    it('accepts what matches an alternative, filling its defaults', () => {
      expect(checkAgainstSchema(s, { compression: false, grpc: null })).toEqual([]);
    });
  });

  it('reads a key written with nothing after it as the map it stands for, with defaults', () => {
    const s = objectSchema({ protocols: objectSchema({ grpc: objectSchema({ endpoint: { type: 'string', default: 'localhost:4317' } }) }) });
    const config = { protocols: { grpc: null } };
    expect(checkAgainstSchema(s, config)).toEqual([]);
    expect(config).toEqual({ protocols: { grpc: { endpoint: 'localhost:4317' } } });
    // Where the author allows null, it stays null.
    const nullable = objectSchema({ grpc: { type: ['object', 'null'] } });
    const c2 = { grpc: null };
    expect(checkAgainstSchema(nullable, c2)).toEqual([]);
    expect(c2.grpc).toBeNull();
  });

  it('gives an expanded number its text back where a string is expected (upstream)', () => {
    const s = objectSchema({ api_key: { type: 'string' }, port: { type: 'integer' }, name: { type: 'string' } });
    const config: Record<string, unknown> = { api_key: 12345, port: 80, name: 5 };
    const texts: Record<string, string> = { api_key: '012345', port: '80' };
    const issues = checkAgainstSchema(s, config, { expandedText: (p) => texts[p.join('.')] });
    expect(config).toEqual({ api_key: '012345', port: 80, name: 5 });
    // `name` was written as a number in the file, not expanded: still an error.
    expect(issues).toEqual([{ path: ['name'], message: 'expected a string, got number 5' }]);
  });

  it('throws on a schema that does not compile', () => {
    expect(() => checkAgainstSchema({ type: 'no-such-type' }, {})).toThrow();
  });
});
