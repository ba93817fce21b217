import type { AnyValue, Attributes } from '../model.js';
import { cloneAnyValue } from '../model-ops.js';
import { getterOf, literalStrings } from './args.js';
import { OttlRuntimeError } from './errors.js';
import type { CompiledValue, FunctionSpec } from './functions.js';
import { literalRegex, Re2 } from './regex.js';
import { storable, typeName, type Value } from './values.js';

/** OTTL's common editors. Each returns null: an editor's result is ignored. */

/** Editors whose target is a map they change in place; a nil target (a missing key) is left alone. */
function onMap(arg: CompiledValue | undefined, change: (m: Attributes, it: unknown) => void): (it: unknown) => null {
  const get = arg!.get;
  return (it) => {
    const m = get(it);
    if (m === null) return null;
    if (!(m instanceof Map)) throw new OttlRuntimeError(`expected a map but got ${typeName(m)}`);
    change(m, it);
    return null;
  };
}

function removeIf(m: Attributes, drop: (key: string, value: Value) => boolean): void {
  for (const [k, v] of m) if (drop(k, v)) m.delete(k);
}

/** gobwas/glob syntax (`*`, `?`, `[...]`, `{a,b}`) as an anchored RE2 pattern. */
export function globToRe2(glob: string): string {
  let out = '';
  let inAlt = false;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '\\' && i + 1 < glob.length) out += escapeRe(glob[++i]);
    else if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) throw new Error('unterminated [ in glob');
      const body = glob.slice(i + 1, end).replace(/^!/, '^');
      out += `[${body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '{') {
      inAlt = true;
      out += '(?:';
    } else if (c === '}' && inAlt) {
      inAlt = false;
      out += ')';
    } else if (c === ',' && inAlt) out += '|';
    else out += escapeRe(c);
  }
  if (inAlt) throw new Error('unterminated { in glob');
  return `^(?s:${out})$`;
}

const escapeRe = (c: string): string => (/[\\.+*?()|[\]{}^$]/.test(c) ? `\\${c}` : c);

function literalGlob(arg: CompiledValue | undefined, index: number, fail: (i: number, m: string) => never): Re2 {
  try {
    return new Re2(globToRe2(arg!.constant!.value as string));
  } catch (err) {
    return fail(index, `invalid glob pattern: ${(err as Error).message}`);
  }
}

function literalString(arg: CompiledValue | undefined, fallback: string): string {
  return arg ? (arg.constant!.value as string) : fallback;
}

// Cuts at most `limit` UTF-8 bytes without splitting a character.
function truncateUtf8(s: string, limit: number): string {
  // A UTF-16 unit is at most 3 UTF-8 bytes, so short strings need no byte count.
  if (s.length * 3 <= limit) return s;
  let bytes = 0;
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    // UTF-8 bytes of this code point (a lone surrogate is written as U+FFFD, 3 bytes)
    const n = pair ? 4 : c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
    if (bytes + n > limit) return s.slice(0, i);
    bytes += n;
    i += pair ? 2 : 1;
  }
  return s;
}

function flattenInto(out: Attributes, prefix: string, v: AnyValue, depth: number, maxDepth: number, conflicts: boolean): void {
  const put = (k: string, x: AnyValue): void => {
    if (conflicts && out.has(k)) {
      let n = 0;
      while (out.has(`${k}.${n}`)) n++;
      out.set(`${k}.${n}`, x);
    } else out.set(k, x);
  };
  if (v instanceof Map && depth < maxDepth) {
    for (const [k, x] of v) flattenInto(out, prefix ? `${prefix}.${k}` : k, x, depth + 1, maxDepth, conflicts);
  } else if (Array.isArray(v) && depth < maxDepth) {
    v.forEach((x, i) => flattenInto(out, prefix ? `${prefix}.${i}` : String(i), x, depth + 1, maxDepth, conflicts));
  } else put(prefix, v);
}

const MERGE_STRATEGIES = ['insert', 'update', 'upsert'];

export const EDITOR_FUNCTIONS: Record<string, FunctionSpec> = {
  set: {
    params: ['target', 'value'],
    targets: [0],
    build: ([target, value]) => {
      const set = target!.set!;
      const get = value!.get;
      return (it) => {
        // As upstream: no field takes nil, so setting nil does nothing.
        const v = get(it);
        if (v !== null) set(it, v);
        return null;
      };
    },
  },
  delete_key: {
    params: ['target', 'key'],
    build: ([target, key]) => {
      const k = key!.constant ? (key!.constant.value as string) : undefined;
      const get = key!.get;
      return onMap(target, (m, it) => m.delete(k ?? String(get(it))));
    },
  },
  delete_matching_keys: {
    params: ['target', 'pattern'],
    literals: [1],
    build: ([target, pattern], fail) => {
      const re = literalRegex(pattern, 1, fail);
      return onMap(target, (m) => removeIf(m, (k) => re.test(k)));
    },
  },
  keep_keys: {
    params: ['target', 'keys'],
    build: ([target, keys], fail) => {
      const keep = new Set(literalStrings(keys, 1, fail));
      return onMap(target, (m) => removeIf(m, (k) => !keep.has(k)));
    },
  },
  keep_matching_keys: {
    params: ['target', 'pattern'],
    literals: [1],
    build: ([target, pattern], fail) => {
      const re = literalRegex(pattern, 1, fail);
      return onMap(target, (m) => removeIf(m, (k) => !re.test(k)));
    },
  },
  limit: {
    params: ['target', 'limit', 'priority_keys'],
    build: ([target, limitArg, keys], fail) => {
      const limit = limitArg?.constant?.value;
      if (typeof limit !== 'bigint' || limit < 1n) return fail(1, 'limit must be an int literal of at least 1');
      const priority = literalStrings(keys, 2, fail);
      if (BigInt(new Set(priority).size) > limit) return fail(2, `${priority.length} priority keys exceed the limit of ${limit}`);
      const max = Number(limit);
      const prioritySet = new Set(priority);
      return onMap(target, (m) => {
        if (m.size <= max) return;
        let room = max - priority.filter((k) => m.has(k)).length;
        removeIf(m, (k) => !prioritySet.has(k) && room-- <= 0);
      });
    },
  },
  merge_maps: {
    params: ['target', 'source', 'strategy'],
    literals: [2],
    build: ([target, source, strategyArg], fail) => {
      const strategy = strategyArg!.constant!.value as string;
      if (!MERGE_STRATEGIES.includes(strategy)) return fail(2, `strategy must be one of ${MERGE_STRATEGIES.join(', ')}`);
      const src = source!.get;
      return onMap(target, (m, it) => {
        const from = src(it);
        if (!(from instanceof Map)) throw new OttlRuntimeError(`merge_maps: expected a map source but got ${typeName(from)}`);
        for (const [k, v] of from) {
          const has = m.has(k);
          if ((strategy === 'insert' && !has) || (strategy === 'update' && has) || strategy === 'upsert') m.set(k, cloneAnyValue(v));
        }
      });
    },
  },
  replace_pattern: {
    params: ['target', 'regex', 'replacement'],
    targets: [0],
    literals: [1],
    build: ([target, regex, replacement], fail) => {
      const re = literalRegex(regex, 1, fail);
      const get = target!.get;
      const set = target!.set!;
      const repl = replacement!.get;
      return (it) => {
        const v = get(it);
        if (typeof v !== 'string') return null;
        const r = repl(it);
        if (typeof r !== 'string') throw new OttlRuntimeError(`replace_pattern: expected a string replacement but got ${typeName(r)}`);
        const out = re.replaceAll(v, r);
        if (out !== v) set(it, out);
        return null;
      };
    },
  },
  replace_all_patterns: {
    params: ['target', 'mode', 'regex', 'replacement'],
    literals: [1, 2],
    build: ([target, modeArg, regex, replacement], fail) => {
      const mode = modeArg!.constant!.value as string;
      if (mode !== 'key' && mode !== 'value') return fail(1, 'mode must be "key" or "value"');
      const re = literalRegex(regex, 2, fail);
      const repl = replacement!.get;
      return onMap(target, (m, it) => {
        const r = repl(it);
        if (typeof r !== 'string') throw new OttlRuntimeError(`replace_all_patterns: expected a string replacement but got ${typeName(r)}`);
        if (mode === 'value') {
          for (const [k, v] of m) if (typeof v === 'string' && re.test(v)) m.set(k, re.replaceAll(v, r));
          return;
        }
        const renamed: [string, AnyValue][] = [];
        for (const [k, v] of m) {
          if (!re.test(k)) continue;
          renamed.push([re.replaceAll(k, r), v]);
          m.delete(k);
        }
        for (const [k, v] of renamed) m.set(k, v);
      });
    },
  },
  replace_match: {
    params: ['target', 'pattern', 'replacement'],
    targets: [0],
    literals: [1],
    build: ([target, pattern, replacement], fail) => {
      const glob = literalGlob(pattern, 1, fail);
      const get = target!.get;
      const set = target!.set!;
      const repl = replacement!.get;
      return (it) => {
        const v = get(it);
        if (typeof v === 'string' && glob.matchesWhole(v)) {
          const r = repl(it);
          if (typeof r !== 'string') throw new OttlRuntimeError(`replace_match: expected a string replacement but got ${typeName(r)}`);
          set(it, r);
        }
        return null;
      };
    },
  },
  replace_all_matches: {
    params: ['target', 'pattern', 'replacement'],
    literals: [1],
    build: ([target, pattern, replacement], fail) => {
      const glob = literalGlob(pattern, 1, fail);
      const repl = replacement!.get;
      return onMap(target, (m, it) => {
        for (const [k, v] of m) {
          if (typeof v !== 'string' || !glob.matchesWhole(v)) continue;
          const r = repl(it);
          if (typeof r !== 'string') throw new OttlRuntimeError(`replace_all_matches: expected a string replacement but got ${typeName(r)}`);
          m.set(k, r);
        }
      });
    },
  },
  truncate_all: {
    params: ['target', 'limit'],
    build: ([target, limitArg], fail) => {
      const limit = limitArg?.constant?.value;
      if (typeof limit !== 'bigint' || limit < 0n) return fail(1, 'limit must be an int literal of at least 0');
      const max = Number(limit);
      return onMap(target, (m) => {
        for (const [k, v] of m) {
          if (typeof v !== 'string') continue;
          const cut = truncateUtf8(v, max);
          if (cut !== v) m.set(k, cut);
        }
      });
    },
  },
  flatten: {
    params: ['target', 'prefix', 'depth', 'resolveConflicts'],
    optional: 3,
    targets: [0],
    build: ([target, prefixArg, depthArg, conflictsArg], fail) => {
      const prefix = literalString(prefixArg, '');
      const depth = depthArg ? depthArg.constant?.value : BigInt(Number.MAX_SAFE_INTEGER);
      if (typeof depth !== 'bigint' || depth < 0n) return fail(2, 'depth must be an int literal of at least 0');
      const conflicts = conflictsArg?.constant?.value === true;
      const get = target!.get;
      const set = target!.set!;
      return (it) => {
        const m = get(it);
        if (!(m instanceof Map)) throw new OttlRuntimeError(`flatten: expected a map but got ${typeName(m)}`);
        const out: Attributes = new Map();
        for (const [k, v] of m) flattenInto(out, prefix ? `${prefix}.${k}` : k, v, 0, Number(depth), conflicts);
        set(it, out);
        return null;
      };
    },
  },
  append: {
    params: ['target', 'value', 'values'],
    optional: 2,
    targets: [0],
    build: ([target, value, values], fail) => {
      if (!value && !values) return fail(0, 'append needs value or values');
      const get = target!.get;
      const set = target!.set!;
      const one = value?.get;
      const many = values && getterOf(values);
      return (it) => {
        const cur = get(it);
        const out: AnyValue[] = cur === null ? [] : Array.isArray(cur) ? [...cur] : [storable(cur, 'a list')];
        if (one) out.push(storable(one(it), 'a list'));
        if (many) {
          const list = many(it);
          if (!Array.isArray(list)) throw new OttlRuntimeError(`append: expected a list of values but got ${typeName(list)}`);
          out.push(...list);
        }
        set(it, out);
        return null;
      };
    },
  },
};

