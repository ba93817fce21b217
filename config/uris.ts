import { parse, stringify } from 'yaml';
import { redactUrl } from '../pipeline/redact.js';
import { YAML_OPTIONS } from './yaml-file.js';

/** One `--config` source read into text: a file, or what an `env:`, `yaml:` or `http(s):` URI gave. */
export interface ConfigText {
  /** How problems name it: the file path, or the URI (credentials masked). */
  name: string;
  text: string;
  /** Directory relative paths in it resolve against (the working directory for a non-file source). */
  dir: string;
}

export interface UriOptions {
  env?: NodeJS.ProcessEnv;
  /** `http:`/`https:` fetch remote text, so they are refused unless the operator allows them. */
  allowHttp?: boolean;
  httpTimeoutMs?: number;
  /** Largest remote config accepted, in bytes. */
  httpMaxBytes?: number;
}

export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;
const DEFAULT_HTTP_MAX_BYTES = 4 << 20;
export const CONFIG_SCHEMES = ['file', 'env', 'yaml', 'http', 'https'] as const;

/** Thrown for a `--config` value that cannot be read; the message names the source. */
export class ConfigUriError extends Error {}

/** The scheme of a `--config` value as upstream's resolver reads it, or undefined for a plain path. */
export function schemeOf(arg: string): string | undefined {
  // Upstream: a scheme is at least two characters, so a Windows drive letter is a path.
  const m = /^([A-Za-z][A-Za-z0-9+.-]+):/.exec(arg);
  return m?.[1].toLowerCase();
}

/**
 * Reads a `--config` value. A plain path and `file:PATH` read the file; `env:VAR` the YAML in a
 * variable; `yaml:TEXT` inline YAML whose keys may be paths separated by `::`
 * (`yaml:processors::batch::timeout: 2s`); `http(s):URL` fetches it, when allowed.
 * A file comes back as its path, which the loader reads itself to report its own problems.
 */
export async function readConfigUri(arg: string, opts: UriOptions = {}): Promise<ConfigText | string> {
  const scheme = schemeOf(arg);
  if (scheme === undefined) return arg;
  const rest = arg.slice(scheme.length + 1);
  const cwd = process.cwd();
  switch (scheme) {
    case 'file':
      return rest;
    case 'env': {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(rest)) throw new ConfigUriError(`--config ${arg}: "${rest}" is not an environment variable name`);
      const text = (opts.env ?? process.env)[rest];
      if (text === undefined) throw new ConfigUriError(`--config ${arg}: the environment variable ${rest} is not set`);
      return { name: arg, text, dir: cwd };
    }
    case 'yaml':
      return { name: 'yaml:', text: inlineYaml(rest, arg), dir: cwd };
    case 'http':
    case 'https':
      return { name: redactUrl(arg), text: await fetchConfig(arg, opts), dir: cwd };
    default:
      throw new ConfigUriError(`--config ${redactUrl(arg)}: unsupported scheme "${scheme}:"; supported: ${CONFIG_SCHEMES.map((s) => `${s}:`).join(', ')}, or a file path`);
  }
}

/** Upstream's yaml provider: keys written `a::b::c` are paths into nested maps. */
function inlineYaml(text: string, arg: string): string {
  let value: unknown;
  try {
    value = parse(text, YAML_OPTIONS);
  } catch (err) {
    throw new ConfigUriError(`--config ${arg}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigUriError(`--config ${arg}: expected a map, e.g. yaml:processors::batch::timeout: 2s`);
  return stringify(nestPaths(value as Record<string, unknown>));
}

function nestPaths(map: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(map)) {
    const value = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? nestPaths(raw as Record<string, unknown>) : raw;
    const path = key.split('::');
    let cur = out;
    for (const seg of path.slice(0, -1)) {
      const next = cur[seg];
      cur = (next !== null && typeof next === 'object' && !Array.isArray(next) ? next : (cur[seg] = {})) as Record<string, unknown>;
    }
    cur[path[path.length - 1]] = value;
  }
  return out;
}

async function fetchConfig(url: string, opts: UriOptions): Promise<string> {
  const shown = redactUrl(url);
  if (!opts.allowHttp) {
    throw new ConfigUriError(`--config ${shown}: loading a config over HTTP is off; allow it with --config-allow-http (the config decides what Summit runs, so only from a server you trust)`);
  }
  const timeoutMs = opts.httpTimeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  const max = opts.httpMaxBytes ?? DEFAULT_HTTP_MAX_BYTES;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) {
      await res.body?.cancel();
      throw new ConfigUriError(`--config ${shown}: the server answered ${res.status} ${res.statusText}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body ?? []) {
      size += chunk.byteLength;
      if (size > max) throw new ConfigUriError(`--config ${shown}: the config is larger than ${max} bytes`);
      chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks).toString('utf8');
  } catch (err) {
    if (err instanceof ConfigUriError) throw err;
    const e = err as Error;
    const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : ((e.cause as Error | undefined)?.message ?? e.message);
    throw new ConfigUriError(`--config ${shown}: cannot fetch: ${redactUrl(why)}`);
  }
}
