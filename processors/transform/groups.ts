import {
  compileConditions,
  compileStatement,
  inferContext,
  OttlParseError,
  OttlRuntimeError,
  type OttlContext,
  type Predicate,
  type Statement,
} from '../../pipeline/ottl/index.js';
import type { OttlErrors } from '../internal/ottl-errors.js';
import { SIGNAL_CONTEXTS, type ErrorMode, type StatementsKey, type TransformConfig } from './config.js';

/** One statement group compiled for its context: `run` applies it to one item. */
export interface CompiledGroup {
  context: OttlContext;
  run: (item: { cache?: unknown }) => void;
}

/** Runtime errors that `ignore` groups skipped in the batch being processed, logged once per batch. */
export interface Problem {
  path: string;
  message: string;
}

/**
 * Compiles every group of one statements list; config problems are collected (keyed by their
 * place in the config, `trace_statements[1].statements[0]`) rather than thrown one at a time.
 */
export function compileGroups(config: TransformConfig, key: StatementsKey, errors: OttlErrors, problems: Problem[]): CompiledGroup[] {
  const groups: CompiledGroup[] = [];
  const candidates = SIGNAL_CONTEXTS[key];
  (config[key] ?? []).forEach((entry, g) => {
    const group = typeof entry === 'string' ? { statements: [entry] } : entry;
    const where = typeof entry === 'string' ? `${key}[${g}]` : `${key}[${g}].statements`;
    const mode: ErrorMode = group.error_mode ?? config.error_mode ?? 'ignore';
    const conditions = group.conditions ?? [];
    let context: OttlContext;
    try {
      const named = group.context?.toLowerCase();
      if (named !== undefined && !candidates.includes(named as OttlContext)) {
        throw new Error(`unknown context "${group.context}"; ${key} takes ${candidates.join(', ')}`);
      }
      context = (named as OttlContext | undefined) ?? inferContext(group.statements, conditions, candidates);
    } catch (err) {
      problems.push({ path: typeof entry === 'string' ? where : `${key}[${g}]`, message: (err as Error).message });
      return;
    }
    const statements: Statement<unknown>[] = [];
    group.statements.forEach((source, i) => {
      try {
        statements.push(compileStatement(source, context) as Statement<unknown>);
      } catch (err) {
        if (!(err instanceof OttlParseError)) throw err;
        problems.push({ path: typeof entry === 'string' ? where : `${where}[${i}]`, message: err.message });
      }
    });
    const onError = errors.onError(mode);
    let matches: Predicate<unknown> | undefined;
    try {
      matches = conditions.length ? (compileConditions(conditions, context, { onError }) as Predicate<unknown>) : undefined;
    } catch (err) {
      if (!(err instanceof OttlParseError)) throw err;
      problems.push({ path: `${key}[${g}].conditions`, message: err.message });
    }
    groups.push({ context, run: groupRunner(statements, matches, onError) });
  });
  return groups;
}

function groupRunner(
  statements: Statement<unknown>[],
  matches: Predicate<unknown> | undefined,
  onError: ((err: OttlRuntimeError) => void) | undefined,
): CompiledGroup['run'] {
  const exec = (item: { cache?: unknown }): void => {
    // OTTL's cache lives for one item's pass through the group.
    item.cache = undefined;
    if (matches && !matches(item)) return;
    if (!onError) {
      for (const s of statements) s(item);
      return;
    }
    for (const s of statements) {
      try {
        s(item);
      } catch (err) {
        if (!(err instanceof OttlRuntimeError)) throw err;
        onError(err);
      }
    }
  };
  return exec;
}
