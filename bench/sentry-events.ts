/**
 * Error events shaped like those the Sentry Node and browser SDKs send (5–10 KB of JSON each):
 * 12–24 frames with source context around the in-app ones, breadcrumbs, contexts, request,
 * tags, a user. `issues`
 * distinct errors; occurrences of one error differ in ids, numbers and line noise, as real
 * repeats do.
 */
import { newLogRecord } from '../pipeline/builders.js';
import { SENTRY_EVENT_NAME } from '../pipeline/exceptions/issues.js';
import type { LogRecord } from '../pipeline/model.js';
import { toAnyValue } from '../pipeline/model-ops.js';

const MODULES = ['orders', 'payments', 'users', 'search', 'cart', 'auth', 'inventory', 'shipping', 'reviews', 'reports'];
const VERBS = ['load', 'save', 'render', 'validate', 'fetch', 'update', 'resolve', 'compute', 'parse', 'apply'];

function frame(browser: boolean, module: string, fn: string, line: number, inApp: boolean) {
  const file = inApp ? `/app/src/${module}/${fn}.js` : `/app/node_modules/express/lib/router/${module}.js`;
  const context = (n: number) => `  const r${n} = await ${module}.${fn}(id, ${n});`;
  return {
    filename: browser ? `https://shop.example.com/static/js/${module}.chunk.js` : file,
    abs_path: browser ? `https://shop.example.com/static/js/${module}.chunk.js` : file,
    ...(browser ? {} : { module: inApp ? `src.${module}:${fn}` : `express.lib.router:${module}` }),
    function: inApp ? `${module[0].toUpperCase()}${module.slice(1)}Service.${fn}` : `Layer.handle [as handle_request]`,
    lineno: line,
    colno: 17,
    in_app: inApp,
    context_line: context(0),
    ...(inApp && { pre_context: [1, 2, 3].map(context), post_context: [4, 5, 6].map(context) }),
  };
}

export function sentryEvent(issue: number, occurrence: number): Record<string, unknown> {
  const browser = issue % 2 === 1;
  const module = MODULES[issue % MODULES.length];
  const depth = 12 + (issue % 13);
  const frames = Array.from({ length: depth }, (_, i) => {
    const inApp = i >= depth - 6;
    const fn = VERBS[(issue * 7 + i) % VERBS.length];
    return frame(browser, MODULES[(issue + i) % MODULES.length], fn, 10 + ((i * 13 + issue) % 300), inApp);
  });
  frames[depth - 1] = frame(browser, module, VERBS[issue % VERBS.length], 42 + (occurrence % 3), true);
  return {
    event_id: (issue * 1_000_003 + occurrence).toString(16).padStart(32, '0'),
    timestamp: 1_700_000_000 + occurrence,
    platform: browser ? 'javascript' : 'node',
    level: 'error',
    release: 'shop@2.4.1',
    environment: 'production',
    server_name: browser ? undefined : `web-${occurrence % 8}`,
    transaction: `GET /api/${module}/:id`,
    sdk: { name: browser ? 'sentry.javascript.browser' : 'sentry.javascript.node', version: '8.33.0' },
    exception: {
      values: [
        {
          type: issue % 3 === 0 ? 'TypeError' : issue % 3 === 1 ? 'RangeError' : 'Error',
          value: `${module} ${VERBS[issue % VERBS.length]} failed for id ${10_000 + occurrence * 37} after ${occurrence % 900}ms (request ${(occurrence * 2654435761) % 4294967296})`,
          mechanism: { type: browser ? 'onerror' : 'onuncaughtexception', handled: false },
          stacktrace: { frames },
        },
      ],
    },
    breadcrumbs: {
      values: Array.from({ length: 10 }, (_, i) => ({
        timestamp: 1_700_000_000 + occurrence - 10 + i,
        category: i % 3 ? 'http' : 'console',
        level: 'info',
        message: i % 3 ? undefined : `step ${i} of checkout for user ${occurrence % 1000}`,
        data: i % 3 ? { method: 'GET', url: `https://api.example.com/v1/${module}/${i}`, status_code: 200 } : undefined,
      })),
    },
    contexts: {
      os: { name: browser ? 'Windows' : 'Linux', version: browser ? '10' : '6.5.0' },
      runtime: { name: browser ? 'Chrome' : 'node', version: browser ? '128.0.0' : 'v20.11.1' },
      trace: { trace_id: (occurrence * 7919).toString(16).padStart(32, '0'), span_id: (occurrence * 104729).toString(16).padStart(16, '0') },
    },
    request: { url: `https://shop.example.com/api/${module}/${occurrence}`, method: 'GET', headers: { 'User-Agent': 'Mozilla/5.0', Accept: 'application/json' } },
    tags: { route: `/api/${module}/:id`, region: ['eu-west-1', 'us-east-1'][occurrence % 2] },
    user: { id: String(occurrence % 1000), ip_address: `10.0.${occurrence % 250}.${issue}` },
  };
}

/** Log records as the `sentry` receiver writes them: the event in the body. */
export function sentryEventRecords(count: number, issues = 50): LogRecord[] {
  return Array.from({ length: count }, (_, i) =>
    newLogRecord({ eventName: SENTRY_EVENT_NAME, timeUnixNano: BigInt(1_700_000_000 + i) * 1_000_000_000n, body: toAnyValue(sentryEvent(i % issues, i)) }),
  );
}
