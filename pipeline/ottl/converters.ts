import { createHash } from 'node:crypto';
import type { AnyValue } from '../model.js';
import { toAnyValue } from '../model-ops.js';
import { getterOf, intArg, listArg, stringArg } from './args.js';
import { OttlRuntimeError } from './errors.js';
import type { FunctionSpec } from './functions.js';
import { literalRegex } from './regex.js';
import { toStringLike, typeName, type Value } from './values.js';

/** OTTL's common converters beyond the type checks (see README.md for each one's rules). */

const unary = (params: readonly string[], returns: FunctionSpec['returns'], f: (v: Value) => Value): FunctionSpec => ({
  params,
  returns,
  build: ([a]) => {
    const get = a!.get;
    return (it) => f(get(it));
  },
});

function toInt(v: Value): Value {
  switch (typeof v) {
    case 'bigint':
      return v;
    case 'number':
      return Number.isFinite(v) ? BigInt(Math.trunc(v)) : null;
    case 'boolean':
      return v ? 1n : 0n;
    case 'string':
      return /^[+-]?\d+$/.test(v.trim()) ? BigInt(v.trim()) : null;
  }
  return null;
}

function toDouble(v: Value): Value {
  switch (typeof v) {
    case 'number':
      return v;
    case 'bigint':
      return Number(v);
    case 'boolean':
      return v ? 1 : 0;
    case 'string': {
      const n = Number(v.trim());
      return v.trim() !== '' && !Number.isNaN(n) ? n : null;
    }
  }
  return null;
}

const words = (s: string): string[] => s.split(/[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])/).filter(Boolean);

const CASES: Record<string, (s: string) => string> = {
  lower: (s) => s.toLowerCase(),
  upper: (s) => s.toUpperCase(),
  snake: (s) => words(s).map((w) => w.toLowerCase()).join('_'),
  camel: (s) => words(s).map((w) => w[0].toUpperCase() + w.slice(1).toLowerCase()).join(''),
};

/** JSON numbers become doubles, as upstream's ParseJSON gives float64. */
function fromJson(v: unknown): AnyValue {
  if (typeof v === 'number') return v;
  if (Array.isArray(v)) return v.map(fromJson);
  if (v !== null && typeof v === 'object') return new Map(Object.entries(v).map(([k, x]) => [k, fromJson(x)]));
  return toAnyValue(v);
}

function idConverter(name: string, bytes: number): FunctionSpec {
  return {
    params: ['bytes'],
    returns: 'bytes',
    build: ([a]) => {
      const get = a!.get;
      return (it) => {
        const v = get(it);
        if (v instanceof Uint8Array && v.length === bytes) return v;
        if (typeof v === 'string' && v.length === bytes * 2 && /^[0-9a-fA-F]+$/.test(v)) return Uint8Array.from(Buffer.from(v, 'hex'));
        throw new OttlRuntimeError(`${name}: expected ${bytes} bytes (or ${bytes * 2} hex digits), got ${typeName(v)}`);
      };
    },
  };
}

/** Go's fmt verbs that configs use: %s %v %d %f %x %q %%; others print as %v. */
function goFormat(format: string, args: Value[]): string {
  let n = 0;
  return format.replace(/%(\.\d+)?([svdfxXq%])/g, (_, precision: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    const v = n < args.length ? args[n++] : undefined;
    if (v === undefined) return `%!${verb}(MISSING)`;
    if (verb === 'd' && typeof v === 'bigint') return String(v);
    if (verb === 'f' && (typeof v === 'number' || typeof v === 'bigint')) return Number(v).toFixed(precision ? Number(precision.slice(1)) : 6);
    if ((verb === 'x' || verb === 'X') && typeof v === 'string') {
      const hex = Buffer.from(v).toString('hex');
      return verb === 'x' ? hex : hex.toUpperCase();
    }
    if ((verb === 'x' || verb === 'X') && typeof v === 'bigint') return verb === 'x' ? v.toString(16) : v.toString(16).toUpperCase();
    if (verb === 'q' && typeof v === 'string') return JSON.stringify(v);
    return v === null ? '<nil>' : (toStringLike(v) ?? '');
  });
}

export const CONVERTERS: Record<string, FunctionSpec> = {
  Concat: {
    params: ['vals', 'delimiter'],
    returns: 'string',
    build: ([vals, delimiter]) => {
      const list = listArg(vals);
      const delim = stringArg(delimiter);
      // A nil element prints as Go prints a nil value.
      return (it) => list(it).map((v) => toStringLike(v) ?? '<nil>').join(delim(it));
    },
  },
  ConvertCase: {
    params: ['target', 'toCase'],
    returns: 'string',
    literals: [1],
    build: ([target, toCase], fail) => {
      const convert = CASES[toCase!.constant!.value as string];
      if (!convert) return fail(1, `toCase must be one of ${Object.keys(CASES).join(', ')}`);
      const get = getterOf(target);
      return (it) => {
        const v = get(it);
        if (v === null) return null;
        if (typeof v !== 'string') throw new OttlRuntimeError(`ConvertCase: expected a string but got ${typeName(v)}`);
        return convert(v);
      };
    },
  },
  ToLowerCase: unary(['target'], 'string', (v) => (typeof v === 'string' ? v.toLowerCase() : failType('ToLowerCase', v))),
  ToUpperCase: unary(['target'], 'string', (v) => (typeof v === 'string' ? v.toUpperCase() : failType('ToUpperCase', v))),
  Int: unary(['value'], undefined, toInt),
  Double: unary(['value'], undefined, toDouble),
  String: unary(['value'], undefined, toStringLike),
  Split: {
    params: ['target', 'delimiter'],
    returns: 'list',
    build: ([target, delimiter]) => {
      const get = getterOf(target);
      const delim = stringArg(delimiter);
      return (it) => {
        const v = get(it);
        if (v === null) return null;
        if (typeof v !== 'string') throw new OttlRuntimeError(`Split: expected a string but got ${typeName(v)}`);
        return v.split(delim(it));
      };
    },
  },
  Substring: {
    params: ['target', 'start', 'length'],
    returns: 'string',
    build: ([target, start, length]) => {
      const get = stringArg(target);
      const from = intArg(start);
      const len = intArg(length);
      return (it) => {
        const s = get(it);
        const a = from(it);
        const n = len(it);
        if (a < 0n || n <= 0n || a + n > BigInt(s.length)) {
          throw new OttlRuntimeError(`Substring: invalid range start ${a}, length ${n} for a string of length ${s.length}`);
        }
        return s.slice(Number(a), Number(a + n));
      };
    },
  },
  SHA256: {
    params: ['value'],
    returns: 'string',
    build: ([value]) => {
      const get = stringArg(value);
      return (it) => createHash('sha256').update(get(it)).digest('hex');
    },
  },
  ParseJSON: {
    params: ['target'],
    build: ([target]) => {
      const get = getterOf(target);
      return (it) => {
        const v = get(it);
        const text = typeof v === 'string' ? v : v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : failType('ParseJSON', v);
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch (err) {
          throw new OttlRuntimeError(`ParseJSON: ${(err as Error).message}`);
        }
        if (parsed === null || typeof parsed !== 'object') throw new OttlRuntimeError('ParseJSON: the JSON must be an object or an array');
        return fromJson(parsed);
      };
    },
  },
  ExtractPatterns: {
    params: ['target', 'pattern'],
    returns: 'map',
    literals: [1],
    build: ([target, pattern], fail) => {
      const re = literalRegex(pattern, 1, fail);
      const groups = Object.entries(re.namedGroups);
      if (groups.length === 0) return fail(1, 'the pattern needs at least one named capture group, e.g. (?P<name>...)');
      const get = stringArg(target);
      return (it) => {
        const out = new Map<string, AnyValue>();
        const match = re.firstMatch(get(it));
        if (match) for (const [name, i] of groups) out.set(name, match.group(i) ?? '');
        return out;
      };
    },
  },
  TraceID: idConverter('TraceID', 16),
  SpanID: idConverter('SpanID', 8),
  Format: {
    params: ['formatString', 'formatArguments'],
    returns: 'string',
    build: ([format, args]) => {
      const f = stringArg(format);
      const list = listArg(args);
      return (it) => goFormat(f(it), list(it));
    },
  },
  Trim: {
    params: ['target', 'replacement'],
    optional: 1,
    returns: 'string',
    build: ([target, replacement]) => {
      const get = stringArg(target);
      const cut = replacement ? stringArg(replacement) : () => ' ';
      return (it) => {
        const s = get(it);
        const chars = new Set(cut(it));
        let a = 0;
        let b = s.length;
        while (a < b && chars.has(s[a])) a++;
        while (b > a && chars.has(s[b - 1])) b--;
        return s.slice(a, b);
      };
    },
  },
};

function failType(name: string, v: Value): never {
  throw new OttlRuntimeError(`${name}: expected a string but got ${typeName(v)}`);
}
