import type { Attributes } from '../model.js';
import { cloneAnyValue } from '../model-ops.js';
import type { BoolNode, CallNode, CompareOp, KeyNode, MathOp, PathField, ValueNode } from './ast.js';
import { CONTEXT_PATHS, describePaths, type ContextItems, type OttlContext, type PathSpec, type PathTable } from './contexts.js';
import { CONTEXT_ENUMS } from './enums.js';
import { OttlParseError, OttlRuntimeError } from './errors.js';
import { EDITORS, editorsFor, FUNCTIONS, functionsFor, type CompiledValue, type FunctionSpec } from './functions.js';
import { applyMath, negate } from './math.js';
import { parseCondition, parseStatement } from './parser.js';
import { compare, indexValue, isAnyValue, setIndexed, storable, typeName, type TypeName, type Value } from './values.js';

/**
 * A compiled condition. Returns whether the item matches; throws {@link OttlRuntimeError} (and
 * nothing else) when the condition cannot be evaluated for this item.
 */
export type Predicate<T> = (item: T) => boolean;

type Test = Predicate<unknown>;

export interface CompileOptions {
  /**
   * Called with a condition's runtime error instead of throwing it; evaluation then treats that
   * condition as false and goes on to the next one (the Collector's `ignore`/`silent` modes).
   * Without it errors propagate to the caller.
   */
  onError?: (err: OttlRuntimeError) => void;
}

/**
 * A compiled statement: runs its editor on the item when its `where` clause holds. Throws
 * {@link OttlRuntimeError} (and nothing else) when it cannot be executed for this item.
 */
export type Statement<T> = (item: T) => void;

/** Parses and compiles one statement for a context; throws {@link OttlParseError} when invalid. */
export function compileStatement<C extends OttlContext>(source: string, context: C): Statement<ContextItems[C]> {
  const node = parseStatement(source);
  const compiler = new Compiler(source, context, 'statement');
  const run = compiler.editor(node.editor);
  const where = node.where && compiler.bool(node.where);
  const exec: Statement<unknown> = where
    ? (it) => {
        if (where(it)) run(it);
      }
    : (it) => {
        run(it);
      };
  return (item) => {
    try {
      exec(item);
    } catch (err) {
      throw asRuntimeError(err, source, 'statement');
    }
  };
}

/** Parses and compiles one condition for a context; throws {@link OttlParseError} when invalid. */
export function compileCondition<C extends OttlContext>(source: string, context: C): Predicate<ContextItems[C]> {
  const test = new Compiler(source, context, 'condition').bool(parseCondition(source));
  return (item) => {
    try {
      return test(item);
    } catch (err) {
      throw asRuntimeError(err, source);
    }
  };
}

/**
 * Several conditions ORed, as the filter processor combines its lists: the first match wins.
 * Throws the first {@link OttlParseError}; compile entries one by one to report every error.
 */
export function compileConditions<C extends OttlContext>(
  sources: readonly string[],
  context: C,
  options: CompileOptions = {},
): Predicate<ContextItems[C]> {
  const tests = sources.map((s) => compileCondition(s, context));
  const { onError } = options;
  if (tests.length === 0) return () => false;
  if (!onError) {
    if (tests.length === 1) return tests[0];
    return (item) => {
      for (const t of tests) if (t(item)) return true;
      return false;
    };
  }
  return (item) => {
    for (const t of tests) {
      try {
        if (t(item)) return true;
      } catch (err) {
        onError(err as OttlRuntimeError);
      }
    }
    return false;
  };
}

/** Unexpected JS errors (a bug, or malformed model data) still surface as runtime errors. */
function asRuntimeError(err: unknown, source: string, what: 'condition' | 'statement' = 'condition'): OttlRuntimeError {
  if (err instanceof OttlRuntimeError) return new OttlRuntimeError(err.message, source, what);
  return new OttlRuntimeError(err instanceof Error ? err.message : String(err), source, what);
}

const FLIPPED: Record<CompareOp, CompareOp> = { '==': '==', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

class Compiler {
  private readonly table: PathTable<unknown>;
  private readonly enums: Record<string, bigint>;

  constructor(
    private readonly source: string,
    private readonly context: OttlContext,
    private readonly what: 'condition' | 'statement',
  ) {
    this.table = CONTEXT_PATHS[context] as unknown as PathTable<unknown>;
    this.enums = CONTEXT_ENUMS[context];
  }

  private fail(col: number, message: string): never {
    throw new OttlParseError(this.source, col, message, this.what);
  }

  editor(node: CallNode): (item: unknown) => unknown {
    const spec = Object.hasOwn(EDITORS, node.name) ? EDITORS[node.name] : undefined;
    if (!spec) {
      if (Object.hasOwn(FUNCTIONS, node.name)) this.fail(node.col, `${node.name} is a converter; a statement starts with an editor such as set(...)`);
      this.fail(node.col, `unknown editor ${node.name}; the ${this.context} context supports ${editorsFor(this.context).join(', ')}`);
    }
    if (node.keys.length) this.fail(node.keys[0].col, 'an editor call cannot be indexed');
    return this.invoke(node, spec);
  }

  bool(node: BoolNode): Test {
    switch (node.kind) {
      case 'const': {
        const v = node.value;
        return () => v;
      }
      case 'not': {
        const a = this.bool(node.operand);
        return (it) => !a(it);
      }
      case 'and': {
        const a = this.bool(node.left);
        const b = this.bool(node.right);
        return (it) => a(it) && b(it);
      }
      case 'or': {
        const a = this.bool(node.left);
        const b = this.bool(node.right);
        return (it) => a(it) || b(it);
      }
      case 'compare':
        return this.comparison(node.op, this.value(node.left), this.value(node.right));
      case 'call':
        return this.callAsCondition(node.call);
    }
  }

  private callAsCondition(call: Extract<ValueNode, { kind: 'call' }>): Test {
    const v = this.value(call);
    if (v.type === 'bool') return v.get as Test;
    if (v.type !== undefined) {
      this.fail(call.col, `${call.name} returns ${v.type}, not a boolean; compare its result, e.g. ${call.name}(...) > 0`);
    }
    const get = v.get;
    return (it) => {
      const r = get(it);
      if (typeof r !== 'boolean') throw new OttlRuntimeError(`expected a boolean from ${call.name}(...)[...], got ${typeName(r)}`);
      return r;
    };
  }

  private comparison(op: CompareOp, l: CompiledValue, r: CompiledValue): Test {
    if (l.constant && r.constant) {
      const result = compare(l.constant.value, r.constant.value, op);
      return () => result;
    }
    if (r.constant) return withConstant(l, op, r.constant.value);
    if (l.constant) return withConstant(r, FLIPPED[op], l.constant.value);
    const a = l.get;
    const b = r.get;
    return (it) => compare(a(it), b(it), op);
  }

  private value(node: ValueNode): CompiledValue {
    switch (node.kind) {
      case 'literal': {
        const value = node.value;
        return { get: () => value, constant: { value }, type: typeName(value) };
      }
      case 'enum': {
        const value = this.enums[node.name];
        if (value === undefined) {
          const known = Object.keys(this.enums);
          this.fail(node.col, `unknown enum ${node.name}; ${known.length ? `the ${this.context} context knows ${known.join(', ')}` : `the ${this.context} context has no enums`}`);
        }
        return { get: () => value, constant: { value }, type: 'int' };
      }
      case 'path':
        return this.path(node.fields, node.col);
      case 'math':
        return this.math(node.op, this.mathOperand(node.left), this.mathOperand(node.right));
      case 'negate': {
        const operand = this.mathOperand(node.operand);
        return foldable(operand.type, [operand], (a) => negate(a));
      }
      case 'call':
        return this.call(node);
      case 'list': {
        const items = node.items.map((i) => this.value(i));
        if (items.every((i) => i.constant)) {
          const value = items.map((i) => storable(i.constant!.value, 'a list'));
          return { get: () => value, constant: { value }, type: 'list' };
        }
        const gets = items.map((i) => i.get);
        return { get: (it) => gets.map((g) => cloneAnyValue(storable(g(it), 'a list'))), type: 'list' };
      }
      case 'map': {
        const entries = node.entries.map((e) => [e.key, this.value(e.value)] as const);
        const get = (it: unknown): Value => new Map(entries.map(([k, v]) => [k, cloneAnyValue(storable(v.get(it), 'a map'))]));
        if (entries.every(([, v]) => v.constant)) {
          const value = get(undefined);
          return { get: () => value, constant: { value }, type: 'map' };
        }
        return { get, type: 'map' };
      }
    }
  }

  /** Literals that cannot take part in math are rejected when the config loads. */
  private mathOperand(node: ValueNode): CompiledValue {
    const v = this.value(node);
    if (v.constant && !['int', 'double'].includes(typeName(v.constant.value))) {
      this.fail(node.col, `math expressions work on ints, doubles, times and durations, not a ${typeName(v.constant.value)} literal`);
    }
    if (v.type !== undefined && !MATH_TYPES.has(v.type)) this.fail(node.col, `math expressions work on ints, doubles, times and durations; this is a ${v.type}`);
    return v;
  }

  private math(op: MathOp, l: CompiledValue, r: CompiledValue): CompiledValue {
    const numeric = (t: TypeName | undefined): boolean => t === 'int' || t === 'double';
    const type = numeric(l.type) && numeric(r.type) ? (l.type === 'int' && r.type === 'int' ? 'int' : 'double') : undefined;
    return foldable(type, [l, r], (a, b) => applyMath(op, a, b));
  }

  private path(fields: PathField[], col: number): CompiledValue {
    for (let i = 0; i < fields.length - 1; i++) {
      if (fields[i].keys.length) this.fail(fields[i].keys[0].col, 'only the last segment of a path can be indexed with [...]');
    }
    const name = fields.map((f) => f.name).join('.');
    let spec = this.lookup(name);
    // Context-qualified paths (`span.name` in the span context) name the context's own item.
    if (!spec && fields.length > 1 && fields[0].name === this.context) spec = this.lookup(name.slice(this.context.length + 1));
    if (!spec) {
      this.fail(col, `unknown path "${name}" in the ${this.context} context; valid paths: ${describePaths(this.context).join(', ')}`);
    }
    const keys = fields[fields.length - 1].keys;
    if (keys.length === 0) return { get: spec.get, num: spec.num, set: spec.set };
    return this.indexed(name, spec, keys);
  }

  private lookup(name: string): PathSpec<unknown> | undefined {
    return this.table.paths.get(name) ?? this.table.aliases.get(name);
  }

  private indexed(name: string, spec: PathSpec<unknown>, keys: KeyNode[]): CompiledValue {
    const base = spec.get;
    if (!spec.index) this.fail(keys[0].col, `${name} cannot be indexed with [...]`);
    // As upstream's setters: nil, times and durations are not stored.
    const set = (it: unknown, v: Value): void => {
      if (v !== null && isAnyValue(v)) setIndexed(base(it), keys, cloneAnyValue(v));
    };
    // a read-only path stays read-only inside too (its value may be shared or computed)
    const settable = spec.set !== undefined;
    if (spec.index === 'value') return { get: (it) => indexValue(base(it), keys), set: settable ? set : undefined };
    const first = keys[0].value;
    if (typeof first !== 'string') this.fail(keys[0].col, `${name} is a map: index it with a string key, e.g. ${name}["key"]`);
    const rest = keys.slice(1);
    if (rest.length === 0) {
      return {
        get: (it) => {
          const v = (base(it) as Attributes).get(first);
          return v === undefined ? null : v;
        },
        set: settable
          ? (it, v) => {
              if (v !== null && isAnyValue(v)) (base(it) as Attributes).set(first, cloneAnyValue(v));
            }
          : undefined,
      };
    }
    return {
      get: (it) => {
        const v = (base(it) as Attributes).get(first);
        return v === undefined ? null : indexValue(v, rest);
      },
      set: settable ? set : undefined,
    };
  }

  private call(node: CallNode): CompiledValue {
    const spec = Object.hasOwn(FUNCTIONS, node.name) ? FUNCTIONS[node.name] : undefined;
    if (!spec) {
      this.fail(node.col, `unknown function ${node.name}; the ${this.context} context supports ${functionsFor(this.context).join(', ')}`);
    }
    const get = this.invoke(node, spec);
    if (node.keys.length === 0) return { get, type: spec.returns };
    const keys = node.keys;
    return { get: (it) => indexValue(get(it), keys) };
  }

  /** Checks a call's arguments against the function's parameters (positional or named) and builds it. */
  private invoke(node: CallNode, spec: FunctionSpec): (item: unknown) => Value {
    if (spec.contexts && !spec.contexts.includes(this.context)) {
      this.fail(node.col, `${node.name} is only available in the ${spec.contexts.join(', ')} context`);
    }
    const { params } = spec;
    const required = params.length - (spec.optional ?? 0);
    const byParam: (ValueNode | undefined)[] = new Array(params.length).fill(undefined);
    const positional = node.argNames.filter((n) => n === undefined).length;
    if (positional > params.length || (positional === node.args.length && positional < required)) {
      const n = params.length;
      const count = required === n ? `${n}` : `${required} to ${n}`;
      this.fail(node.col, `${node.name} takes ${count} argument${n === 1 ? '' : 's'}${n ? ` (${params.join(', ')})` : ''}, got ${node.args.length}`);
    }
    node.args.forEach((arg, i) => {
      const name = node.argNames[i];
      const at = name === undefined ? i : params.indexOf(name);
      if (at < 0) this.fail(arg.col, `${node.name} has no parameter named ${name}; its parameters are ${params.join(', ')}`);
      if (byParam[at]) this.fail(arg.col, `${node.name}: ${params[at]} is given twice`);
      byParam[at] = arg;
    });
    for (let i = 0; i < required; i++) {
      if (!byParam[i]) this.fail(node.col, `${node.name}: the ${params[i]} argument is missing`);
    }
    for (const i of spec.literals ?? []) {
      const arg = byParam[i];
      if (arg && (arg.kind !== 'literal' || typeof arg.value !== 'string')) {
        this.fail(arg.col, `the ${params[i]} argument of ${node.name} must be a string literal ("...")`);
      }
    }
    const args = byParam.map((a) => (a ? this.value(a) : undefined));
    for (const i of spec.targets ?? []) {
      if (!args[i]?.set) this.fail(byParam[i]!.col, `the ${params[i]} argument of ${node.name} must be a path that can be set, e.g. attributes["key"]`);
    }
    return spec.build(args, (i, message) => this.fail(byParam[i]?.col ?? node.col, message));
  }
}

const MATH_TYPES = new Set<TypeName>(['int', 'double', 'time', 'duration']);

/** An operation on compiled operands, computed once when they are all constants and it succeeds. */
function foldable(type: TypeName | undefined, args: CompiledValue[], f: (...values: Value[]) => Value): CompiledValue {
  if (args.every((a) => a.constant)) {
    try {
      const value = f(...args.map((a) => a.constant!.value));
      return { get: () => value, constant: { value }, type: typeName(value) };
    } catch (err) {
      // Division by zero of constants: keep the error for when the item is evaluated, as upstream.
      if (!(err instanceof OttlRuntimeError)) throw err;
    }
  }
  const gets = args.map((a) => a.get);
  if (gets.length === 1) {
    const [a] = gets;
    return { get: (it) => f(a(it)), type };
  }
  const [a, b] = gets;
  return { get: (it) => f(a(it), b(it)), type };
}

/**
 * Comparisons against a literal are the common case (`name == "x"`, `kind == SPAN_KIND_SERVER`);
 * specialise them so evaluation is a property read and a strict comparison.
 */
function withConstant(v: CompiledValue, op: CompareOp, c: Value): Test {
  const get = v.get;
  const primitive = c === null || typeof c === 'string' || typeof c === 'boolean';
  // Strict (in)equality with a nil, string or bool constant is exactly OTTL's rule for them.
  if (primitive && op === '==') return (it) => get(it) === c;
  if (primitive && op === '!=') return (it) => get(it) !== c;
  const num = v.num;
  if (num && (typeof c === 'number' || (typeof c === 'bigint' && c >= BigInt(Number.MIN_SAFE_INTEGER) && c <= BigInt(Number.MAX_SAFE_INTEGER)))) {
    const n = Number(c);
    switch (op) {
      case '==':
        return (it) => num(it) === n;
      case '!=':
        return (it) => num(it) !== n;
      case '<':
        return (it) => num(it) < n;
      case '<=':
        return (it) => num(it) <= n;
      case '>':
        return (it) => num(it) > n;
      case '>=':
        return (it) => num(it) >= n;
    }
  }
  return (it) => compare(get(it), c, op);
}
