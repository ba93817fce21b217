import type { MetricItem, OttlContext, SpanItem } from './contexts.js';
import { CONVERTERS } from './converters.js';
import { EDITOR_FUNCTIONS } from './editors.js';
import { OttlRuntimeError } from './errors.js';
import { METRIC_FUNCTIONS } from './metric-functions.js';
import { literalRegex } from './regex.js';
import { SPAN_FUNCTIONS } from './span-functions.js';
import { TIME_FUNCTIONS } from './time-functions.js';
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
  /** Paths that can be assigned (editor targets). */
  set?: (item: unknown, value: Value) => void;
}

/** A converter (returns a value) or an editor (changes the item; its result is ignored). */
export interface FunctionSpec {
  params: readonly string[];
  /** How many trailing parameters may be left out; build() then gets undefined for them. */
  optional?: number;
  /** Converters: the result type when fixed. */
  returns?: TypeName;
  /** Contexts the function exists in; all when absent. */
  contexts?: readonly OttlContext[];
  /** Indexes of parameters that must be string literals (compiled once, e.g. a regex). */
  literals?: readonly number[];
  /** Indexes of parameters that must be settable paths. */
  targets?: readonly number[];
  build(args: (CompiledValue | undefined)[], fail: (argIndex: number, message: string) => never): Getter;
}

const typeCheck = (test: (v: Value) => boolean): FunctionSpec => ({
  params: ['value'],
  returns: 'bool',
  build: ([arg]) => {
    const get = arg!.get;
    return (it) => test(get(it));
  },
});

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
      const re = literalRegex(pattern, 1, fail);
      const get = target!.get;
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
      const get = target!.get;
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
    build: ([key]) => hasAttrOnDatapoint(key!.constant!.value as string, undefined),
  },
  HasAttrOnDatapoint: {
    params: ['key', 'value'],
    returns: 'bool',
    contexts: ['metric'],
    literals: [0, 1],
    build: ([key, value]) => hasAttrOnDatapoint(key!.constant!.value as string, value!.constant!.value as string),
  },
  ...CONVERTERS,
  ...TIME_FUNCTIONS,
};

/** Editors: the functions a statement starts with. */
export const EDITORS: Record<string, FunctionSpec> = { ...EDITOR_FUNCTIONS, ...METRIC_FUNCTIONS, ...SPAN_FUNCTIONS };

const available = (table: Record<string, FunctionSpec>, context: OttlContext): string[] =>
  Object.entries(table)
    .filter(([, spec]) => !spec.contexts || spec.contexts.includes(context))
    .map(([name]) => name);

export function functionsFor(context: OttlContext): string[] {
  return available(FUNCTIONS, context);
}

export function editorsFor(context: OttlContext): string[] {
  return available(EDITORS, context);
}
