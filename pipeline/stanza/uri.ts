/**
 * uri_parser's parsing, as upstream does it with Go's url.ParseRequestURI: an absolute URI or an
 * absolute path, or a bare `?query`; fields scheme, user, host, port, path and query (each
 * parameter a list of its values), those not present left out.
 */
import type { Fields } from './entry.js';

const ABSOLUTE = /^([A-Za-z][A-Za-z0-9+.-]*):(?:\/\/([^/?]*))?([^?]*)(?:\?(.*))?$/s;
const PATH = /^(\/[^?]*)(?:\?(.*))?$/s;

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw new Error(`invalid percent-encoding in ${what} "${text.slice(0, 64)}"`);
  }
}

function queryFields(query: string): Fields {
  const params: Record<string, string[]> = {};
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    if (pair.includes(';')) throw new Error(`invalid semicolon separator in query "${query.slice(0, 64)}"`);
    const eq = pair.indexOf('=');
    const key = decode(eq < 0 ? pair : pair.slice(0, eq), 'query');
    (params[key] ??= []).push(eq < 0 ? '' : decode(pair.slice(eq + 1), 'query'));
  }
  return Object.keys(params).length ? { query: params } : {};
}

/** Host and port of an authority, `[v6]` brackets removed as Go's Hostname() does. */
function splitAuthority(authority: string, out: Fields): void {
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const user = decode(authority.slice(0, at).split(':')[0], 'user');
    if (user) out.user = user;
  }
  const hostPort = authority.slice(at + 1);
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(hostPort);
  if (!m) throw new Error(`invalid host "${hostPort.slice(0, 64)}"`);
  const host = m[1].replace(/^\[(.*)\]$/, '$1');
  if (host) out.host = host;
  if (m[2]) out.port = m[2];
}

export function parseUri(value: string): Fields {
  if (value.startsWith('?')) return queryFields(value.slice(1));
  const out: Fields = {};
  const abs = ABSOLUTE.exec(value);
  if (abs) {
    out.scheme = abs[1].toLowerCase();
    if (abs[2] !== undefined) splitAuthority(abs[2], out);
    // without an authority, only a rooted path is a path; the rest is opaque (mailto:x) as in Go
    if (abs[3] && (abs[2] !== undefined || abs[3].startsWith('/'))) out.path = abs[3];
    return { ...out, ...queryFields(abs[4] ?? '') };
  }
  const path = PATH.exec(value);
  if (!path) throw new Error(`"${value.slice(0, 64)}" is neither an absolute URI nor an absolute path`);
  out.path = path[1];
  return { ...out, ...queryFields(path[2] ?? '') };
}
