import type { AnyValue } from '../model.js';
import { OttlRuntimeError } from './errors.js';
import type { CompiledValue, Getter } from './functions.js';
import { OttlDuration, OttlTime } from './time.js';
import { typeName, type Value } from './values.js';

/** Argument readers with OTTL's getter types: a StringGetter demands a string (nil is an error too). */
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
export const listArg = (arg: CompiledValue | undefined): Read<AnyValue[]> => expect(arg, 'a list', (v): v is AnyValue[] => Array.isArray(v));

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

export const timeArg = (arg: CompiledValue | undefined): Read<OttlTime> => expect(arg, 'a time', (v): v is OttlTime => v instanceof OttlTime);
export const durationArg = (arg: CompiledValue | undefined): Read<OttlDuration> =>
  expect(arg, 'a duration', (v): v is OttlDuration => v instanceof OttlDuration);
