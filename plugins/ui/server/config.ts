import {
  checkTls,
  durationSchema,
  endpointProblems,
  HTTP_SERVER_DEFAULTS,
  httpServerSchema,
  parseDuration,
  serverTlsSchema,
  type HttpServerSettings,
  type JSONSchema,
  type ServerTlsConfig,
} from 'summit';
import type { LiveStoreLimits } from './live-store.js';

export interface UiUser {
  name: string;
  /** bcrypt hash (`$2a$`/`$2b$`/`$2y$`), e.g. from `htpasswd -nbB` or bcryptjs. */
  password_hash: string;
}

export interface UiConfig extends Partial<HttpServerSettings> {
  endpoint: string;
  tls?: ServerTlsConfig;
  /** Users who log in to the pages; none: an `admin` is made at the first start (see admin_file). */
  users: UiUser[];
  /** Bearer token for the Sentry-compatible API (and the JSON API); none: made at the first start. */
  api_token?: string;
  /** Where the generated admin login and API token are kept, hashed. */
  admin_file?: string;
  /** SQLite file of the login sessions (hashed ids), so they survive a restart. */
  session_file?: string;
  session_timeout: string;
  /** The issue_store extension the Issues pages read and triage; empty: no issue pages. */
  issue_store: string;
  /** The spanmetrics connector's `namespace`: the service pages read `<namespace>.calls` and `.duration` when it sends them. */
  spanmetrics_namespace: string;
  /** The parquet exporter's path, read with DuckDB for history; unset: ./data of the working directory (the parquet exporter's default); empty: live data only. */
  lake?: string;
  /** SQLite file of the lake's attribute filters, kept across restarts; default ui-lake-index.sqlite beside admin_file. */
  lake_index_file?: string;
  /** DuckDB's memory_limit for reading the lake, in MiB. */
  lake_memory_limit_mib: number;
  /** Sentry organisation slug the API answers to (any slug is accepted; this one is shown). */
  organization: string;
  /** Apdex threshold T of the service pages. */
  apdex_threshold: string;
  store: LiveStoreLimits;
}

export const DEFAULT_ENDPOINT = 'localhost:8800';

export const uiConfigSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    endpoint: { type: 'string', default: DEFAULT_ENDPOINT, description: 'host:port the pages and APIs are served on' },
    tls: serverTlsSchema,
    ...httpServerSchema(HTTP_SERVER_DEFAULTS, { auth: false }),
    users: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'password_hash'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 100 },
          password_hash: { type: 'string', pattern: '^\\$2[aby]\\$\\d\\d\\$.{53}$', description: 'a bcrypt hash' },
        },
      },
    },
    api_token: { type: 'string', minLength: 16, description: 'bearer token for the APIs; default: made at the first start and kept hashed in admin_file' },
    admin_file: { type: 'string', minLength: 1, description: 'the generated admin login and API token, hashed; default ./data/ui-admin.json under the working directory' },
    session_file: { type: 'string', minLength: 1, description: 'SQLite file of the login sessions (ids kept hashed), so a restart keeps users logged in; default ui-sessions.sqlite beside admin_file' },
    session_timeout: durationSchema('12h'),
    issue_store: { type: 'string', default: '', description: 'id of the issue_store extension; empty: no issue pages' },
    spanmetrics_namespace: { type: 'string', default: 'traces.span.metrics', description: "the spanmetrics connector's namespace, whose calls and duration metrics the service pages read" },
    lake: { type: 'string', description: "the parquet exporter's path, read with DuckDB; default ./data under the working directory; empty: live data only" },
    lake_index_file: { type: 'string', minLength: 1, description: "SQLite file of the lake's attribute filters, so a restart does not read the lake again; default ui-lake-index.sqlite beside admin_file" },
    lake_memory_limit_mib: {
      type: 'integer',
      minimum: 16,
      default: 256,
      description: "DuckDB's memory_limit for reading the lake (MiB); DuckDB's own default, 80% of the machine's memory, is the whole collector's budget",
    },
    organization: { type: 'string', minLength: 1, default: 'summit' },
    apdex_threshold: durationSchema('500ms'),
    store: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        max_spans: { type: 'integer', minimum: 1, default: 100_000 },
        max_logs: { type: 'integer', minimum: 1, default: 50_000 },
        max_points: { type: 'integer', minimum: 1, default: 50_000 },
        max_value_bytes: { type: 'integer', minimum: 16, default: 4096, description: 'texts kept for the live views longer than this (UTF-8 bytes) are cut and marked' },
        max_bytes: { type: 'integer', minimum: 65536, default: 64 * 1024 * 1024, description: "per ring (spans, logs, points): the oldest rows go once the texts kept pass this" },
      },
    },
  },
};

export function validateUiConfig(c: UiConfig): { path: string; message: string }[] {
  const problems = [...checkTls(c.tls, 'tls'), ...endpointProblems(c.endpoint ?? DEFAULT_ENDPOINT)];
  if (parseDuration(c.session_timeout ?? '12h') <= 0) problems.push({ path: 'session_timeout', message: 'must be more than 0' });
  const names = new Set<string>();
  for (const [i, u] of (c.users ?? []).entries()) {
    if (names.has(u.name)) problems.push({ path: `users.${i}.name`, message: `user "${u.name}" is listed twice` });
    names.add(u.name);
  }
  return problems;
}
