import { clientInfo, metadataValue } from '../../pipeline/client-info.js';
import type { Signal } from '../../pipeline/index.js';
import {
  compileConditions,
  compileStatement,
  splitStatement,
  OttlParseError,
  type OttlContext,
  type OttlRuntimeError,
  type Predicate,
} from '../../pipeline/ottl/index.js';
import type { RouteConfig, RouteContext, RoutingConfig } from './config.js';

/** A compiled route: which items it takes and where they go. */
export interface Route {
  context: RouteContext;
  pipelines: string[];
  /** Whether the item (of the route's context) goes this way; for statements, runs the editor on it too. */
  matches: Predicate<unknown>;
}

export const SIGNAL_CONTEXTS: Record<Signal, readonly RouteContext[]> = {
  traces: ['resource', 'span', 'request'],
  metrics: ['resource', 'metric', 'datapoint', 'request'],
  logs: ['resource', 'log', 'request'],
};

// Upstream's limited grammar for the request context.
const REQUEST_CONDITION = /^\s*request\s*\[\s*"([^"]+)"\s*\]\s*(==|!=)\s*"([^"]*)"\s*$/;

// The editors upstream's routing statements may call besides route().
const ROUTING_EDITORS = new Set(['route', 'delete_key', 'delete_matching_keys']);

function requestRoute(condition: string): Predicate<unknown> {
  const m = REQUEST_CONDITION.exec(condition);
  if (!m) throw new Error(`a request condition must be request["key"] == "value" or request["key"] != "value", got '${condition}'`);
  const [, key, op, value] = m;
  return () => (metadataValue(clientInfo(), key) === value) === (op === '==');
}

function statementRoute(statement: string, context: OttlContext, onError: ((e: OttlRuntimeError) => void) | undefined): Predicate<unknown> {
  const { editor, call, condition } = splitStatement(statement);
  if (!ROUTING_EDITORS.has(editor)) throw new Error(`statement editor ${editor} is not allowed here; use route(), delete_key or delete_matching_keys`);
  const when = condition ? (compileConditions([condition], context, { onError }) as Predicate<unknown>) : () => true;
  if (editor === 'route') return when;
  const run = compileStatement(call, context) as (item: unknown) => void;
  return (item) => {
    if (!when(item)) return false;
    try {
      run(item);
    } catch (err) {
      if (!onError) throw err;
      onError(err as OttlRuntimeError);
    }
    return true;
  };
}

function compileRoute(route: RouteConfig, onError: ((e: OttlRuntimeError) => void) | undefined): Route {
  const context = route.context ?? 'resource';
  if ((route.condition === undefined) === (route.statement === undefined)) throw new Error('give exactly one of condition and statement');
  let matches: Predicate<unknown>;
  if (context === 'request') {
    if (route.statement !== undefined) throw new Error('the request context takes a condition, not a statement');
    matches = requestRoute(route.condition!);
  } else if (route.condition !== undefined) {
    matches = compileConditions([route.condition], context, { onError }) as Predicate<unknown>;
  } else {
    matches = statementRoute(route.statement!, context, onError);
  }
  return { context, pipelines: route.pipelines, matches };
}

/** Compiles the table; problems are keyed by their place in the config (`table[1]`). */
export function compileTable(
  config: RoutingConfig,
  onError: ((e: OttlRuntimeError) => void) | undefined,
): { routes: Route[]; problems: { path: string; message: string }[] } {
  const routes: Route[] = [];
  const problems: { path: string; message: string }[] = [];
  config.table.forEach((route, i) => {
    try {
      routes.push(compileRoute(route, onError));
    } catch (err) {
      const message = err instanceof OttlParseError ? err.message : (err as Error).message;
      problems.push({ path: `table[${i}]`, message });
    }
  });
  return { routes, problems };
}
