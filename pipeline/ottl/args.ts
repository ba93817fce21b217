import { OttlRuntimeError } from './errors.js';
import type { CompiledValue, Getter } from './functions.js';
import { toStringLike, typeName, type Value } from './values.js';

/**
 * Argument readers with OTTL's getter types: a StringGetter demands a string (nil included is an
 * error), a StringLikeGetter formats numbers, bools, bytes and maps, and keeps nil as nil.
 */
export type Read<T> = (item: unknown) => T;

function expect<T>(arg: CompiledValue | undefined, what: string, accept: (v: Value) => v is Value & T): Read<T> {
  const get = arg!.get;
  return (it) => {
    const v = get(it);
    if (!accept(v)) throw new OttlRuntimeError(`expected ${what} but got ${typeName(v)}`);
    return v;
  };
}

export const stringArg = (arg: CompiledValue | undefined): Read<string> => expect(arg, 'a string', (v): v is string => typeof v === 'string');
export const intArg = (arg: CompiledValue | undefined): Read<bigint> => expect(arg, 'an int', (v): v is bigint => typeof v === 'bigint');
export const boolArg = (arg: CompiledValue | undefined): Read<boolean> => expect(arg, 'a bool', (v): v is boolean => typeof v === 'boolean');
export const mapArg = (arg: CompiledValue | undefined): Read<Map<string, Value>> =>
  expect(arg, 'a map', (v): v is Map<string, Value> => v instanceof Map);
export const listArg = (arg: CompiledValue | undefined): Read<Value[]> => expect(arg, 'a list', (v): v is Value[] => Array.isArray(v));

export function stringLikeArg(arg: CompiledValue | undefined): Read<string | null> {
  const get = arg!.get;
  return (it) => toStringLike(get(it));
}

/** A float argument: a double, or an int widened to one. */
export function numberArg(arg: CompiledValue | undefined): Read<number> {
  const get = arg!.get;
  return (it) => {
    const v = get(it);
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    throw new OttlRuntimeError(`expected a number but got ${typeName(v)}`);
  };
}

/** A constant argument's value, or `fallback` when the optional argument was left out. */
export function constantOf<T extends Value>(arg: CompiledValue | undefined, fallback: T): Value {
  return arg ? (arg.constant?.value ?? fallback) : fallback;
}

/** A list of string literals, checked when the config loads (keep_keys' keys, ...). */
export function literalStrings(
  arg: CompiledValue | undefined,
  index: number,
  fail: (argIndex: number, message: string) => never,
): string[] {
  const v = arg?.constant?.value;
  if (!Array.isArray(v) || !v.every((k) => typeof k === 'string')) return fail(index, 'expected a list of string literals, e.g. ["a", "b"]');
  return v as string[];
}

export const getterOf = (arg: CompiledValue | undefined): Getter => arg!.get;
