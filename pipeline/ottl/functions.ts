import type { MetricItem, OttlContext, SpanItem } from './contexts.js';
import { OttlRuntimeError } from './errors.js';
import { toStringLike, typeName, type TypeName, type Value } from './values.js';

/** Item types differ per context; compiled closures receive whichever the context defines. */
export type Getter = (item: unknown) => Value;

export interface CompiledValue {
  get: Getter;
  /** Present when the value is known at compile time (literals, enums). */
  constant?: { value: Value };
  /** See PathSpec.num: int fields readable as a JS number. */
  num?: (item: unknown) => number;
  /** The result type when known at compile time. */
  type?: TypeName;
}

export interface FunctionSpec {
  params: readonly string[];
  returns: TypeName;
  /** Contexts the function exists in; all when absent. */
  contexts?: readonly OttlContext[];
  /** Indexes of parameters that must be string literals (compiled once, e.g. a regex). */
  literals?: readonly number[];
  build(args: CompiledValue[], fail: (argIndex: number, message: string) => never): Getter;
}

const typeCheck = (test: (v: Value) => boolean): FunctionSpec => ({
  params: ['value'],
  returns: 'bool',
  build: ([arg]) => {
    const get = arg.get;
    return (it) => test(get(it));
  },
});

/**
 * Go RE2 syntax mostly carries over to JS; the common exception is a leading inline flag group
 * such as `(?i)`, which Node 20 rejects, so it becomes a RegExp flag.
 */
export function compileRegex(pattern: string): RegExp {
  let flags = '';
  let body = pattern;
  const inline = /^\(\?([a-zA-Z]+)\)/.exec(pattern);
  if (inline) {
    for (const f of inline[1]) {
      if (f !== 'i' && f !== 'm' && f !== 's') throw new Error(`inline flag (?${f}) is not supported; use i, m or s`);
      if (!flags.includes(f)) flags += f;
    }
    body = pattern.slice(inline[0].length);
  }
  try {
    return new RegExp(body, `${flags}u`);
  } catch {
    // Unicode mode rejects RE2-legal identity escapes like `\-`; retry without it.
    return new RegExp(body, flags);
  }
}

function hasAttrOnDatapoint(key: string, expected: string | undefined): Getter {
  return (it) => {
    for (const dp of (it as MetricItem).metric.data.dataPoints) {
      const v = dp.attributes.get(key);
      if (v !== undefined && (expected === undefined || v === expected)) return true;
    }
    return false;
  };
}

export const FUNCTIONS: Record<string, FunctionSpec> = {
  IsMatch: {
    params: ['target', 'pattern'],
    returns: 'bool',
    literals: [1],
    build: ([target, pattern], fail) => {
      let re: RegExp;
      try {
        re = compileRegex(pattern.constant!.value as string);
      } catch (err) {
        return fail(1, `invalid regular expression: ${(err as Error).message}`);
      }
      const get = target.get;
      return (it) => {
        const s = toStringLike(get(it));
        return s !== null && re.test(s);
      };
    },
  },
  IsString: typeCheck((v) => typeof v === 'string'),
  IsInt: typeCheck((v) => typeof v === 'bigint'),
  IsDouble: typeCheck((v) => typeof v === 'number'),
  IsBool: typeCheck((v) => typeof v === 'boolean'),
  IsMap: typeCheck((v) => v instanceof Map),
  IsList: typeCheck((v) => Array.isArray(v)),
  Len: {
    params: ['target'],
    returns: 'int',
    build: ([target]) => {
      const get = target.get;
      return (it) => {
        const v = get(it);
        // Go's len(string) counts UTF-8 bytes.
        if (typeof v === 'string') return BigInt(Buffer.byteLength(v, 'utf8'));
        if (Array.isArray(v) || v instanceof Uint8Array) return BigInt(v.length);
        if (v instanceof Map) return BigInt(v.size);
        throw new OttlRuntimeError(`Len: target must be a string, list or map, got ${typeName(v)}`);
      };
    },
  },
  IsRootSpan: {
    params: [],
    returns: 'bool',
    contexts: ['span'],
    build: () => (it) => {
      const id = (it as SpanItem).span.parentSpanId;
      return id === '' || /^0+$/.test(id);
    },
  },
  HasAttrKeyOnDatapoint: {
    params: ['key'],
    returns: 'bool',
    contexts: ['metric'],
    literals: [0],
    build: ([key]) => hasAttrOnDatapoint(key.constant!.value as string, undefined),
  },
  HasAttrOnDatapoint: {
    params: ['key', 'value'],
    returns: 'bool',
    contexts: ['metric'],
    literals: [0, 1],
    build: ([key, value]) => hasAttrOnDatapoint(key.constant!.value as string, value.constant!.value as string),
  },
};

export function functionsFor(context: OttlContext): string[] {
  return Object.entries(FUNCTIONS)
    .filter(([, spec]) => !spec.contexts || spec.contexts.includes(context))
    .map(([name]) => name);
}
