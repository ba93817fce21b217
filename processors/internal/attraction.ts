/**
 * Attribute actions shared by the `attributes` and `resource` processors — upstream's
 * `internal/coreinternal/attraction`. A list of action configs is checked and compiled once
 * into one function that edits an attribute Map in place.
 */
import { createHash } from 'node:crypto';
import type { JSONSchema } from '../../pipeline/component.js';
import type { AnyValue, Attributes } from '../../pipeline/model.js';
import { cloneAnyValue, toAnyValue } from '../../pipeline/model-ops.js';
import { clientInfo, fromContext } from '../../pipeline/client-info.js';
import { compileGoRegex, regexError } from './goregex.js';
import { asString, problemsError, type Problem } from './values.js';

/** One entry of `actions:` (attributes processor) or `attributes:` (resource processor). */
export interface ActionConfig {
  key?: string;
  action?: string;
  value?: unknown;
  from_attribute?: string;
  from_context?: string;
  pattern?: string;
  converted_type?: string;
}

export type AttributesAction = (attrs: Attributes) => void;

export const ACTIONS = ['insert', 'update', 'upsert', 'delete', 'hash', 'extract', 'convert'] as const;
export type ActionName = (typeof ACTIONS)[number];
export const CONVERTED_TYPES = ['int', 'double', 'string'] as const;

/** Schema of an action list. Semantics (which fields go with which action) are checked by compileActions. */
export const actionsSchema: JSONSchema = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['action'],
    properties: {
      key: { type: 'string' },
      action: { type: 'string', description: `one of ${ACTIONS.join(', ')} (case-insensitive)` },
      value: { description: 'value to set; YAML integers become int64, other numbers doubles' },
      from_attribute: { type: 'string' },
      from_context: { type: 'string' },
      pattern: { type: 'string', description: 'RE2 regular expression' },
      converted_type: { type: 'string', description: `for convert: ${CONVERTED_TYPES.join(', ')}` },
    },
  },
};

export type CompiledActions = { apply: AttributesAction; problems: [] } | { apply: undefined; problems: Problem[] };

/**
 * Checks every action (reporting all problems, each at `path[i].field`) and, when there are
 * none, returns the compiled function. Upstream's rules, with its error cases kept.
 */
export function compileActions(list: readonly ActionConfig[] | undefined, path: string): CompiledActions {
  if (!Array.isArray(list) || list.length === 0) {
    return { apply: undefined, problems: [{ path, message: `at least one action is required (${ACTIONS.join(', ')})` }] };
  }
  const problems: Problem[] = [];
  const steps: AttributesAction[] = [];
  list.forEach((a, i) => {
    const step = compileAction(a ?? {}, `${path}[${i}]`, problems);
    if (step) steps.push(step);
  });
  if (problems.length) return { apply: undefined, problems };
  if (steps.length === 1) return { apply: steps[0], problems: [] };
  return {
    apply: (attrs) => {
      for (const step of steps) step(attrs);
    },
    problems: [],
  };
}

/** Like compileActions, for create(): throws when the config was not validated first. */
export function mustCompileActions(list: readonly ActionConfig[] | undefined, path: string, component: string): AttributesAction {
  const { apply, problems } = compileActions(list, path);
  if (!apply) throw problemsError(component, problems);
  return apply;
}

const has = (s: string | undefined): s is string => typeof s === 'string' && s !== '';
// Go's YAML decoding leaves `value:` with nothing after it as nil, i.e. not set.
const hasValue = (a: ActionConfig) => a.value !== undefined && a.value !== null;

function compileAction(a: ActionConfig, p: string, problems: Problem[]): AttributesAction | undefined {
  const before = problems.length;
  const problem = (field: string, message: string) => problems.push({ path: field ? `${p}.${field}` : p, message });

  const name = typeof a.action === 'string' ? a.action.toLowerCase() : '';
  if (!(ACTIONS as readonly string[]).includes(name)) {
    problem('action', a.action === undefined ? `"action" is required: one of ${ACTIONS.join(', ')}` : `unknown action "${a.action}": valid actions are ${ACTIONS.join(', ')}`);
    return undefined;
  }
  const action = name as ActionName;
  const byPattern = action === 'delete' || action === 'hash';
  if (byPattern) {
    if (!has(a.key) && !has(a.pattern)) problem('', `action "${action}" needs "key", "pattern" or both`);
  } else if (!has(a.key)) problem('key', `"key" is required for action "${action}"`);

  const sources = (['value', 'from_attribute', 'from_context'] as const).filter((f) => (f === 'value' ? hasValue(a) : has(a[f])));
  const setsValue = action === 'insert' || action === 'update' || action === 'upsert';
  if (setsValue) {
    if (sources.length === 0) problem('', `action "${action}" needs one of "value", "from_attribute" or "from_context"`);
    if (sources.length > 1) problem('', `action "${action}" sets ${sources.map((s) => `"${s}"`).join(' and ')}: use exactly one value source`);
  } else {
    for (const s of sources) problem(s, `action "${action}" does not use "${s}"`);
  }
  if (has(a.pattern) && (setsValue || action === 'convert')) problem('pattern', `action "${action}" does not use "pattern"`);
  if (has(a.converted_type) && action !== 'convert') problem('converted_type', `action "${action}" does not use "converted_type"; only "convert" does`);

  let regex: RegExp | undefined;
  if (has(a.pattern) && !(setsValue || action === 'convert')) {
    const err = regexError(a.pattern);
    if (err) problem('pattern', `invalid regular expression "${a.pattern}": ${err}`);
    else regex = compileGoRegex(a.pattern);
  }

  if (action === 'extract') {
    if (!has(a.pattern)) problem('pattern', 'action "extract" requires "pattern", a regular expression with named groups, e.g. ^/api/(?P<version>v\\d+)/');
    else if (regex) {
      const groups = captureGroups(regex);
      if (groups.named.length === 0) problem('pattern', `"${a.pattern}" has no named groups, e.g. (?P<name>...): extract creates one attribute per named group`);
      else if (groups.total > groups.named.length) problem('pattern', `"${a.pattern}" has an unnamed group: every group must be named, or made non-capturing with (?:...)`);
    }
  }
  if (action === 'convert' && !(CONVERTED_TYPES as readonly string[]).includes(a.converted_type ?? '')) {
    problem(
      'converted_type',
      has(a.converted_type)
        ? `unknown converted_type "${a.converted_type}": valid types are ${CONVERTED_TYPES.join(', ')}`
        : `action "convert" requires "converted_type": one of ${CONVERTED_TYPES.join(', ')}`,
    );
  }
  if (problems.length > before) return undefined;

  const key = a.key ?? '';
  switch (action) {
    case 'insert':
    case 'update':
    case 'upsert':
      return setter(action, key, hasValue(a) ? fixedValue(toAnyValue(a.value)) : has(a.from_context) ? fromClient(a.from_context) : copyOf(a.from_attribute!));
    case 'delete':
      return deleter(key, regex);
    case 'hash':
      return hasher(key, regex);
    case 'extract':
      return extractor(key, regex!);
    case 'convert':
      return converter(key, a.converted_type as (typeof CONVERTED_TYPES)[number]);
  }
}

function captureGroups(re: RegExp): { total: number; named: string[] } {
  const m = new RegExp(`${re.source}|`, re.flags).exec('')!;
  return { total: m.length - 1, named: Object.keys(m.groups ?? {}) };
}

/** Where a set action gets its value; undefined = nothing to set for this item. */
type Source = (attrs: Attributes) => AnyValue | undefined;

// Containers are copied on every use so no two items share (and later co-mutate) one value.
const isContainer = (v: AnyValue) => typeof v === 'object' && v !== null;

function fixedValue(v: AnyValue): Source {
  return isContainer(v) ? () => cloneAnyValue(v) : () => v;
}

function copyOf(from: string): Source {
  return (attrs) => {
    const v = attrs.get(from);
    return v !== undefined && isContainer(v) ? cloneAnyValue(v) : v;
  };
}

/**
 * The value of the client the data came in with (`metadata.<key>` — with the receiver's
 * include_metadata —, `auth.<attribute>`, `client.address`), as upstream reads it.
 */
function fromClient(key: string): Source {
  return () => fromContext(clientInfo(), key);
}

function setter(action: 'insert' | 'update' | 'upsert', key: string, source: Source): AttributesAction {
  const when = action === 'insert' ? false : action === 'update' ? true : undefined;
  return (attrs) => {
    if (when !== undefined && attrs.has(key) !== when) return;
    const v = source(attrs);
    if (v !== undefined) attrs.set(key, v);
  };
}

function deleter(key: string, regex: RegExp | undefined): AttributesAction {
  return (attrs) => {
    if (key) attrs.delete(key);
    // Deleting the entry being visited is safe in a Map iteration.
    if (regex) for (const k of attrs.keys()) if (regex.test(k)) attrs.delete(k);
  };
}

function hasher(key: string, regex: RegExp | undefined): AttributesAction {
  return (attrs) => {
    if (key) {
      const v = attrs.get(key);
      if (v !== undefined) attrs.set(key, hashValue(v));
    }
    // A key that is named and also matches the pattern is hashed once, not twice as upstream does.
    if (regex) for (const [k, v] of attrs) if (k !== key && regex.test(k)) attrs.set(k, hashValue(v));
  };
}

/**
 * SHA-256 hex, hashing the same bytes as upstream for scalars — UTF-8 of a string, one byte
 * for a bool, 8 little-endian bytes for an int64 or a double — so hashes agree with the
 * Collector's. Upstream turns bytes, arrays, kvlists and empty values into "", losing the
 * value; Summit hashes their canonical string form (see asString) instead.
 */
export function hashValue(v: AnyValue): string {
  let bytes: Buffer;
  switch (typeof v) {
    case 'string':
      bytes = Buffer.from(v, 'utf8');
      break;
    case 'boolean':
      bytes = Buffer.of(v ? 1 : 0);
      break;
    case 'bigint':
      bytes = Buffer.alloc(8);
      bytes.writeBigUInt64LE(BigInt.asUintN(64, v));
      break;
    case 'number':
      bytes = Buffer.alloc(8);
      bytes.writeDoubleLE(v);
      break;
    default:
      bytes = Buffer.from(asString(v), 'utf8');
  }
  return createHash('sha256').update(bytes).digest('hex');
}

function extractor(key: string, regex: RegExp): AttributesAction {
  const names = captureGroups(regex).named;
  return (attrs) => {
    const v = attrs.get(key);
    if (typeof v !== 'string') return;
    const m = regex.exec(v);
    if (!m) return;
    // An optional group that did not take part is "" in Go's FindStringSubmatch.
    for (const name of names) attrs.set(name, m.groups![name] ?? '');
  };
}

function converter(key: string, type: (typeof CONVERTED_TYPES)[number]): AttributesAction {
  const convert = type === 'int' ? toInt : type === 'double' ? toDouble : asString;
  return (attrs) => {
    const v = attrs.get(key);
    if (v === undefined) return;
    const c = convert(v);
    if (c !== undefined) attrs.set(key, c);
  };
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Upstream's int conversion; undefined (value left as is) where it fails. */
export function toInt(v: AnyValue): bigint | undefined {
  switch (typeof v) {
    case 'bigint':
      return v;
    case 'boolean':
      return v ? 1n : 0n;
    case 'number': {
      if (!Number.isFinite(v)) return undefined;
      const i = BigInt(Math.trunc(v));
      return i >= INT64_MIN && i <= INT64_MAX ? i : undefined;
    }
    case 'string': {
      // strconv.ParseInt(s, 10, 64): optional sign, decimal digits, nothing else.
      if (!/^[+-]?\d+$/.test(v)) return undefined;
      const i = BigInt(v);
      return i >= INT64_MIN && i <= INT64_MAX ? i : undefined;
    }
  }
  return undefined;
}

/** Upstream's double conversion; undefined (value left as is) where it fails. */
export function toDouble(v: AnyValue): number | undefined {
  switch (typeof v) {
    case 'number':
      return v;
    case 'bigint':
      return Number(v);
    case 'boolean':
      return v ? 1 : 0;
    case 'string':
      return parseGoFloat(v);
  }
  return undefined;
}

/** strconv.ParseFloat(s, 64) for decimal input: no surrounding space, Inf/NaN spelled Go's way. */
function parseGoFloat(s: string): number | undefined {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(s);
  if (special) return special[2].toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
  const f = Number(s);
  return Number.isFinite(f) ? f : undefined; // out of range is an error in Go
}
