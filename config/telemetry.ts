import { describeValue } from './describe.js';
import type { ProblemList } from './problems.js';
import { didYouMean, unknownKeyMessage } from './suggest.js';
import type { TelemetrySettings } from './types.js';
import { isMap } from './values.js';
import { splitHostPort } from '../pipeline/net.js';

/** As Go's net.SplitHostPort takes it: `:8888` (every interface) too. */
function isHostPort(address: string): boolean {
  try {
    splitHostPort(address);
    return true;
  } catch {
    return false;
  }
}

const BASE = ['service', 'telemetry'];
const METRIC_LEVELS = ['none', 'basic', 'normal', 'detailed'] as const;
const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const ENCODINGS = ['json', 'console'] as const;
const DEFAULT_ADDRESS = 'localhost:8888';

// Upstream keys Summit has no use for; accepted so that existing Collector configs still load.
const IGNORED = {
  telemetry: { resource: "Summit's own telemetry has no configurable resource", traces: 'Summit does not trace itself' },
  metrics: { views: 'Summit does not support metric views for its own metrics' },
  logs: {
    processors: 'Summit writes its own logs to stderr only',
    development: '',
    disable_caller: '',
    disable_stacktrace: '',
    sampling: '',
    output_paths: 'Summit writes its own logs to stderr only',
    error_output_paths: 'Summit writes its own logs to stderr only',
    initial_fields: '',
  },
} as const satisfies Record<string, Record<string, string>>;

/** Reads `service.telemetry`: Summit's own logs and its Prometheus endpoint. */
export function resolveTelemetry(value: unknown, problems: ProblemList): TelemetrySettings {
  const out: TelemetrySettings = { metrics: { level: 'normal', address: DEFAULT_ADDRESS }, logs: { level: 'info', encoding: 'auto' } };
  const t = section(value, BASE, ['metrics', 'logs'], IGNORED.telemetry, problems);
  if (!t) return out;
  resolveMetrics(t.metrics, out, problems);
  resolveLogs(t.logs, out, problems);
  return out;
}

function resolveMetrics(value: unknown, out: TelemetrySettings, problems: ProblemList): void {
  const path = [...BASE, 'metrics'];
  const m = section(value, path, ['level', 'address', 'readers'], IGNORED.metrics, problems);
  if (!m) return;
  const level = oneOf(m.level, [...path, 'level'], METRIC_LEVELS, problems);
  if (level) out.metrics.level = level;
  if (m.address !== undefined && m.address !== null) {
    if (typeof m.address === 'string' && isHostPort(m.address)) out.metrics.address = m.address;
    else problems.error([...path, 'address'], `expected host:port, e.g. localhost:8888; got ${describeValue(m.address)}`);
  }
  const fromReader = readers(m.readers, [...path, 'readers'], problems);
  if (fromReader) {
    if (m.address !== undefined && m.address !== null) problems.warn([...path, 'address'], 'ignored: the pull reader under readers sets the address');
    out.metrics.address = fromReader;
  }
  if (out.metrics.level === 'none') out.metrics.address = null;
}

/** Upstream's `readers` form; returns the address a Prometheus pull reader sets. */
function readers(value: unknown, path: string[], problems: ProblemList): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    problems.error(path, `expected a list of readers, got ${describeValue(value)}`);
    return undefined;
  }
  let address: string | undefined;
  value.forEach((reader: unknown, i) => {
    const at = [...path, String(i)];
    if (!isMap(reader) || Object.keys(reader).length !== 1 || !['pull', 'periodic'].includes(Object.keys(reader)[0])) {
      const key = isMap(reader) ? Object.keys(reader).find((k) => k !== 'pull' && k !== 'periodic') : undefined;
      problems.error(key ? [...at, key] : at, key ? unknownKeyMessage(key, ['pull', 'periodic']) : 'expected a reader: a map with exactly one of pull or periodic');
      return;
    }
    if ('periodic' in reader) {
      problems.warn([...at, 'periodic'], 'ignored: Summit does not push its own telemetry; scrape its Prometheus endpoint instead');
      return;
    }
    const found = pullAddress(reader.pull, [...at, 'pull'], problems);
    if (found && address) problems.warn(at, `ignored: Summit serves one metrics endpoint, ${address}, set by an earlier reader`);
    else if (found) address = found;
  });
  return address;
}

function pullAddress(value: unknown, path: string[], problems: ProblemList): string | undefined {
  const pull = section(value, path, ['exporter'], {}, problems);
  if (!pull) return undefined;
  const exporter = pull.exporter;
  if (!isMap(exporter) || Object.keys(exporter).length === 0) {
    problems.error(exporter === undefined ? path : [...path, 'exporter'], 'expected exporter: {prometheus: {host: ..., port: ...}}');
    return undefined;
  }
  for (const key of Object.keys(exporter)) {
    if (key !== 'prometheus') problems.error([...path, 'exporter', key], `pull exporter "${key}" is not supported; Summit serves its own metrics only as prometheus`);
  }
  if (!Object.hasOwn(exporter, 'prometheus')) return undefined;
  const at = [...path, 'exporter', 'prometheus'];
  const prom = exporter.prometheus === null ? {} : exporter.prometheus;
  if (!isMap(prom)) {
    problems.error(at, `expected a map with host and port, got ${describeValue(prom)}`);
    return undefined;
  }
  for (const key of Object.keys(prom)) {
    if (key !== 'host' && key !== 'port') problems.warn([...at, key], 'ignored: Summit only takes host and port from this reader');
  }
  const host = prom.host ?? 'localhost';
  const port = prom.port ?? 8888;
  let ok = true;
  if (typeof host !== 'string' || host === '') {
    problems.error([...at, 'host'], `expected a host name or address, got ${describeValue(host)}`);
    ok = false;
  }
  const portNumber = typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : port;
  if (typeof portNumber !== 'number' || !Number.isInteger(portNumber) || portNumber < 0 || portNumber > 65535) {
    problems.error([...at, 'port'], `expected a port number (0-65535), got ${describeValue(port)}`);
    ok = false;
  }
  if (!ok) return undefined;
  return `${(host as string).includes(':') ? `[${host}]` : host}:${portNumber}`;
}

function resolveLogs(value: unknown, out: TelemetrySettings, problems: ProblemList): void {
  const path = [...BASE, 'logs'];
  const l = section(value, path, ['level', 'encoding'], IGNORED.logs, problems);
  if (!l) return;
  const level = oneOf(l.level, [...path, 'level'], LOG_LEVELS, problems);
  if (level) out.logs.level = level;
  const encoding = oneOf(l.encoding, [...path, 'encoding'], ENCODINGS, problems);
  if (encoding) out.logs.encoding = encoding;
}

/**
 * A map with fixed keys: unknown keys are errors, upstream-only ones warnings. Returns the map
 * (null reads as empty), or undefined when absent or not a map.
 */
function section(
  value: unknown,
  path: string[],
  keys: readonly string[],
  ignored: Record<string, string>,
  problems: ProblemList,
): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (value === null) return {};
  if (!isMap(value)) {
    problems.error(path, `expected a map, got ${describeValue(value)}`);
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (keys.includes(key)) continue;
    if (Object.hasOwn(ignored, key)) problems.warn([...path, key], `ignored${ignored[key] ? `: ${ignored[key]}` : ''}`);
    else problems.error([...path, key], unknownKeyMessage(key, [...keys, ...Object.keys(ignored)]));
  }
  return value;
}

/** Case-insensitive like upstream's level parsing. */
function oneOf<T extends string>(value: unknown, path: string[], choices: readonly T[], problems: ProblemList): T | undefined {
  if (value === undefined || value === null) return undefined;
  const v = typeof value === 'string' ? value.toLowerCase() : value;
  if (typeof v === 'string' && (choices as readonly string[]).includes(v)) return v as T;
  const hint = typeof value === 'string' ? didYouMean(value, choices) : '';
  problems.error(path, `expected one of: ${choices.join(', ')}; got ${describeValue(value)}${hint}`);
  return undefined;
}
