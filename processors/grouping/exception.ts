import type { ExceptionValue } from '../../pipeline/exceptions/model.js';
import { Component } from './component.js';
import { exceptionData } from './enhancer.js';
import { normalizeMessage } from './parameterize.js';
import { stacktraceVariants, type GroupingContext, type Variants } from './stacktrace.js';

/**
 * One exception: its stack, its type and, when the stack does not decide, its parameterised
 * message. A synthetic type (made up by the SDK from a signal or error code) does not count;
 * Apple's NSError domain and code do, ahead of the message.
 */
function exceptionVariants(e: ExceptionValue, ctx: GroupingContext): Variants {
  const type = new Component('type', e.type ? [e.type] : []);
  if (e.mechanism?.synthetic) type.update({ contributes: false, hint: 'ignored because exception is synthetic' });
  const nsError = e.mechanism?.meta?.ns_error as { domain?: unknown; code?: unknown } | undefined;
  const nsErrorC = nsError && typeof nsError === 'object' ? new Component('ns-error', [pythonStr(nsError.domain), pythonStr(nsError.code)]) : undefined;

  const stacks: Variants = e.stacktrace ? stacktraceVariants(e.stacktrace, ctx, exceptionData(e)) : new Map([['app', new Component('stacktrace')]]);
  const out: Variants = new Map();
  for (const [variant, stacktrace] of stacks) {
    const values: Component[] = [stacktrace, variant === '!system' ? copy(type) : type];
    if (nsErrorC) values.push(nsErrorC);
    const value = new Component('value');
    if (e.value !== undefined) {
      const normalized = normalizeMessage(e.value);
      if (normalized) value.update({ values: [normalized], hint: normalized !== e.value ? 'stripped event-specific values' : undefined });
    }
    if (stacktrace.contributes && value.contributes) value.update({ contributes: false, hint: 'ignored because stacktrace takes precedence' });
    if (nsErrorC?.contributes && value.contributes) value.update({ contributes: false, hint: 'ignored because ns-error info takes precedence' });
    values.push(value);
    out.set(variant, new Component('exception', values));
  }
  return out;
}

/** How Python prints a value into a hash: None as `None`, numbers as digits. */
function pythonStr(v: unknown): string {
  return v === undefined || v === null ? 'None' : String(v);
}

function copy(c: Component): Component {
  return new Component(c.id, [...c.values], { contributes: c.contributes, hint: c.hint });
}

/**
 * Every exception of the chain (after exception-group filtering), each a child of one
 * `chained-exception` per variant; a single exception stands alone. `main` is the exception
 * that titles the issue when an exception group names one.
 */
export function chainedExceptionVariants(all: ExceptionValue[], ctx: GroupingContext): { variants: Variants; main?: ExceptionValue } {
  const components = new Map(all.map((e) => [e, exceptionVariants(e, ctx)]));
  const { exceptions, main } = filterExceptionGroups(all, components);
  if (exceptions.length === 1) return { variants: components.get(exceptions[0])!, main };
  const byName: Variants = new Map();
  const lists = new Map<string, Component[]>();
  for (const e of exceptions) {
    for (const [name, c] of components.get(e)!) {
      if (!lists.has(name)) lists.set(name, []);
      lists.get(name)!.push(c);
    }
  }
  for (const [name, list] of lists) byName.set(name, new Component('chained-exception', list));
  return { variants: byName, main };
}

interface Node {
  exception?: ExceptionValue;
  children: ExceptionValue[];
}

function exceptionTree(exceptions: ExceptionValue[]): Map<number, Node> | undefined {
  const tree = new Map<number, Node>();
  const node = (id: number) => tree.get(id) ?? tree.set(id, { children: [] }).get(id)!;
  for (const e of [...exceptions].reverse()) {
    const id = e.mechanism?.exception_id;
    if (id === undefined) return undefined;
    node(id).exception = e;
    const parent = e.mechanism!.parent_id;
    if (parent !== undefined) node(parent).children.push(e);
  }
  return tree;
}

const MAX_GROUP_DEPTH = 100;

/** The first descendants of a group that are not groups themselves; undefined on a cycle. */
function topLevel(e: ExceptionValue, tree: Map<number, Node>, depth: number): ExceptionValue[] | undefined {
  if (depth > MAX_GROUP_DEPTH) return undefined;
  if (!e.mechanism?.is_exception_group) return [e];
  const out: ExceptionValue[] = [];
  for (const child of tree.get(e.mechanism.exception_id!)?.children ?? []) {
    const sub = topLevel(child, tree, depth + 1);
    if (!sub) return undefined;
    out.push(...sub);
  }
  return out;
}

function firstPath(e: ExceptionValue, tree: Map<number, Node>): ExceptionValue[] {
  const path: ExceptionValue[] = [];
  for (let cur: ExceptionValue | undefined = e; cur && path.length <= MAX_GROUP_DEPTH; cur = tree.get(cur.mechanism!.exception_id!)?.children[0]) {
    path.push(cur);
  }
  return path;
}

/**
 * Exception groups (Python's ExceptionGroup, JavaScript's AggregateError) as Sentry groups
 * them: a group of copies of one error is that error (with the causes on its first path); a
 * group of different errors is one of each plus the group itself. Malformed trees (missing ids,
 * cycles, no root) leave the list as it is.
 */
function filterExceptionGroups(
  exceptions: ExceptionValue[],
  components: Map<ExceptionValue, Variants>,
): { exceptions: ExceptionValue[]; main?: ExceptionValue } {
  if (exceptions.length <= 1) return { exceptions };
  const tree = exceptionTree(exceptions);
  const root = tree?.get(0)?.exception;
  if (!tree || !root) return { exceptions };
  const top = topLevel(root, tree, 0);
  if (!top) return { exceptions };
  const sorted = [...top].sort((a, b) => {
    const [x, y] = [a.type ?? 'None', b.type ?? 'None'];
    return x < y ? 1 : x > y ? -1 : 0;
  });
  // Consecutive exceptions with identical grouping trees are copies.
  const distinct: ExceptionValue[] = [];
  let lastKey: string | undefined;
  for (const e of sorted) {
    const key = [...components.get(e)!.values()].map((c) => c.describe()).join('');
    if (key !== lastKey) distinct.push(e);
    lastKey = key;
  }
  // One distinct error: it titles the issue, not the group around it.
  if (distinct.length === 1) return { exceptions: firstPath(distinct[0], tree), main: distinct[0] };
  return { exceptions: [...distinct, root] };
}
