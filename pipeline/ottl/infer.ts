import type { BoolNode, CallNode, ValueNode } from './ast.js';
import type { OttlContext } from './contexts.js';
import { EDITORS } from './functions.js';
import { parseCondition, parseStatement } from './parser.js';

/** Context names a path may start with; `instrumentation_scope` is the scope's long name. */
const PREFIX_CONTEXT: Record<string, OttlContext> = {
  resource: 'resource',
  scope: 'scope',
  instrumentation_scope: 'scope',
  span: 'span',
  spanevent: 'spanevent',
  log: 'log',
  metric: 'metric',
  datapoint: 'datapoint',
  profile: 'profile',
};

function visitValue(v: ValueNode, out: Set<string>): void {
  switch (v.kind) {
    case 'path':
      out.add(v.fields[0].name);
      return;
    case 'call':
      visitCall(v, out);
      return;
    case 'list':
      for (const i of v.items) visitValue(i, out);
      return;
    case 'map':
      for (const e of v.entries) visitValue(e.value, out);
      return;
    case 'math':
      visitValue(v.left, out);
      visitValue(v.right, out);
      return;
    case 'negate':
      visitValue(v.operand, out);
      return;
  }
}

function visitCall(c: CallNode, out: Set<string>): void {
  for (const a of c.args) visitValue(a, out);
}

function visitBool(b: BoolNode, out: Set<string>): void {
  switch (b.kind) {
    case 'and':
    case 'or':
      visitBool(b.left, out);
      visitBool(b.right, out);
      return;
    case 'not':
      visitBool(b.operand, out);
      return;
    case 'compare':
      visitValue(b.left, out);
      visitValue(b.right, out);
      return;
    case 'call':
      visitCall(b.call, out);
      return;
  }
}

/**
 * Upstream's context inference: the statements (and group conditions) run in the most specific
 * context their path prefixes name — `set(metric.description, "x") where datapoint.attributes["a"] == "b"`
 * runs per data point. Statements naming no context run where their editors exist (the shallowest
 * such context). `candidates` lists the signal's contexts from shallowest to deepest. Throws an
 * Error saying which prefix or editor does not fit. Syntax errors surface as OttlParseError.
 */
export function inferContext(statements: readonly string[], conditions: readonly string[], candidates: readonly OttlContext[]): OttlContext {
  const first = new Set<string>();
  const editors: string[] = [];
  for (const s of statements) {
    const node = parseStatement(s);
    editors.push(node.editor.name);
    visitCall(node.editor, first);
    if (node.where) visitBool(node.where, first);
  }
  for (const c of conditions) visitBool(parseCondition(c), first);
  let deepest = -1;
  for (const name of first) {
    const context = PREFIX_CONTEXT[name];
    if (!context) continue;
    const at = candidates.indexOf(context);
    if (at < 0) throw new Error(`path prefix "${name}" cannot be used here; this signal's contexts are ${candidates.join(', ')}`);
    deepest = Math.max(deepest, at);
  }
  if (deepest >= 0) return candidates[deepest];
  const fits = candidates.find((c) => editors.every((e) => !Object.hasOwn(EDITORS, e) || !EDITORS[e].contexts || EDITORS[e].contexts!.includes(c)));
  const anyPath = [...first].length > 0;
  if (!fits || anyPath) {
    throw new Error(
      `cannot infer the context: prefix each path with its context (${candidates.map((c) => `${c}.`).join(', ')}), e.g. ${candidates[candidates.length - 1]}.attributes["key"], or give the group a context`,
    );
  }
  return fits;
}
