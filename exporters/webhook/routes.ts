/** Alertmanager's routing tree: which routes (and so receivers and timings) an alert takes. */
import { parseDuration } from '../../pipeline/duration.js';
import { matchesAll, parseMatchers, type Labels, type Matcher } from './matchers.js';

export interface RouteConfig {
  receiver?: string;
  group_by?: string[];
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  matchers?: string[];
  continue?: boolean;
  routes?: RouteConfig[];
  /** Summit's: open an incident per alert group and page this policy's tiers until acknowledged. */
  escalation_policy?: string;
}

export const ROUTE_DEFAULTS = { group_wait: '30s', group_interval: '5m', repeat_interval: '4h' };

export interface Route {
  /** Position in the tree (`0.1.0`): part of each group key, so equal labels on two routes make two groups. */
  id: string;
  receiver: string;
  /** `...` groups by every label; empty groups everything on the route together. */
  groupBy: string[] | 'all';
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  matchers: Matcher[];
  continue: boolean;
  escalationPolicy?: string;
  children: Route[];
}

/** Builds the tree, children inheriting what they do not set; throws naming the key path. */
export function buildRoute(c: RouteConfig, parent: Route | undefined, id: string, path: string): Route {
  const ms = (key: 'group_wait' | 'group_interval' | 'repeat_interval', inherited: number): number => {
    const v = c[key];
    if (v === undefined) return inherited;
    try {
      const n = parseDuration(v);
      if (n < 0 || (key !== 'group_wait' && n === 0)) throw new Error(key === 'group_wait' ? 'must not be negative' : 'must be longer than 0');
      return n;
    } catch (err) {
      throw new Error(`${path}.${key}: ${(err as Error).message}`);
    }
  };
  const receiver = c.receiver ?? parent?.receiver;
  if (!receiver) throw new Error(`${path}.receiver: the top route must name a receiver`);
  let matchers: Matcher[];
  try {
    matchers = parseMatchers(c.matchers);
  } catch (err) {
    throw new Error(`${path}.matchers: ${(err as Error).message}`);
  }
  const route: Route = {
    id,
    receiver,
    groupBy: c.group_by ? (c.group_by.includes('...') ? 'all' : c.group_by) : (parent?.groupBy ?? []),
    groupWaitMs: ms('group_wait', parent?.groupWaitMs ?? parseDuration(ROUTE_DEFAULTS.group_wait)),
    groupIntervalMs: ms('group_interval', parent?.groupIntervalMs ?? parseDuration(ROUTE_DEFAULTS.group_interval)),
    repeatIntervalMs: ms('repeat_interval', parent?.repeatIntervalMs ?? parseDuration(ROUTE_DEFAULTS.repeat_interval)),
    matchers,
    continue: c.continue ?? false,
    escalationPolicy: c.escalation_policy ?? parent?.escalationPolicy,
    children: [],
  };
  route.children = (c.routes ?? []).map((child, i) => buildRoute(child, route, `${id}.${i}`, `${path}.routes[${i}]`));
  return route;
}

/** The routes an alert with these labels takes, as Alertmanager's Route.Match. */
export function matchRoutes(route: Route, labels: Labels): Route[] {
  if (!matchesAll(route.matchers, labels)) return [];
  const out: Route[] = [];
  for (const child of route.children) {
    const m = matchRoutes(child, labels);
    out.push(...m);
    if (m.length && !child.continue) break;
  }
  return out.length ? out : [route];
}

export function allRoutes(route: Route): Route[] {
  return [route, ...route.children.flatMap(allRoutes)];
}

/** The labels an alert is grouped by on a route. */
export function groupLabels(route: Route, labels: Labels): Labels {
  if (route.groupBy === 'all') return { ...labels };
  const out: Labels = {};
  for (const name of route.groupBy) if (labels[name] !== undefined) out[name] = labels[name];
  return out;
}
