/**
 * Who a request says it is, as Relay reads it: the `X-Sentry-Auth` header, an `Authorization:
 * Sentry ...` or `Basic` header, the `sentry_*` query parameters, or (envelopes only, when none
 * of these is there) the envelope header's `dsn`. Two of the request's forms at once are refused
 * (Relay: "multiple authorization payloads detected").
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Refusal } from './answers.js';

/** The newest event protocol version Relay accepts (`sentry_version`). */
const PROTOCOL_VERSION = 7;

export interface SentryAuth {
  /** The public key without Relay's key flags (`KEY.no-cache`). */
  publicKey: string;
  version: number;
  /** `sentry_client`, e.g. `sentry.javascript.node/11.12.0`. */
  client?: string;
}

/** The DSN in an envelope header: its public key and project id. */
export interface EnvelopeDsn {
  publicKey: string;
  projectId: string;
}

const badAuth = (cause: string) => new Refusal(401, 'bad x-sentry-auth header', [cause]);
const multipleAuth = () => new Refusal(401, 'multiple authorization payloads detected');

/** The request's own credentials, or undefined when it carries none (Relay's MissingAuth). */
export function authFromRequest(headers: IncomingHttpHeaders, query: string): SentryAuth | undefined {
  let auth: SentryAuth | undefined;
  const set = (next: SentryAuth) => {
    if (auth) throw multipleAuth();
    auth = next;
  };
  const sentryHeader = (name: string) => {
    const v = headers[name];
    return typeof v === 'string' && /^sentry /i.test(v) ? v : undefined;
  };
  const xSentry = sentryHeader('x-sentry-auth');
  if (xSentry) set(parseAuthHeader(xSentry));
  const authorization = sentryHeader('authorization');
  if (authorization) set(parseAuthHeader(authorization));
  const basic = basicAuthKey(headers.authorization);
  if (basic !== undefined) set(authFromPairs([['sentry_key', basic]]));
  if (query.includes('sentry_')) set(authFromPairs(new URLSearchParams(query)));
  return auth;
}

/** `Sentry sentry_key=..., sentry_version=7, sentry_client=...` */
function parseAuthHeader(value: string): SentryAuth {
  const pairs = value
    .slice(value.indexOf(' ') + 1)
    .split(',')
    .flatMap((item): [string, string][] => {
      const [k, v] = item.split('=');
      return v === undefined ? [] : [[k.trim(), v.trim()]];
    });
  return authFromPairs(pairs);
}

/** `Authorization: Basic base64(KEY:)`, as Relay takes it; undefined when it is not that. */
function basicAuthKey(value: string | string[] | undefined): string | undefined {
  if (typeof value !== 'string' || !/^basic /i.test(value)) return undefined;
  const decoded = Buffer.from(value.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 ? decoded.slice(0, colon) : undefined;
}

function authFromPairs(pairs: Iterable<[string, string]>): SentryAuth {
  let key = '';
  let version = PROTOCOL_VERSION;
  let client: string | undefined;
  for (const [k, v] of pairs) {
    if (k === 'sentry_key') key = v;
    else if (k === 'sentry_client') client = v;
    else if (k === 'sentry_version') {
      const major = v.split('.')[0];
      if (!/^[0-9]{1,5}$/.test(major) || Number(major) > 65535) throw badAuth('invalid value for version');
      version = Number(major);
    }
  }
  if (!key) throw badAuth('missing public key in auth header');
  return checked({ publicKey: key, version, client });
}

/** Relay's checks of any auth: a 32-character key (flags after a dot dropped), a version it speaks. */
function checked(auth: SentryAuth): SentryAuth {
  const publicKey = auth.publicKey.split('.')[0];
  if (publicKey.length !== 32 || !/^[\x00-\x7f]*$/.test(publicKey)) throw new Refusal(400, 'bad sentry DSN public key', ['invalid project key']);
  if (auth.version > PROTOCOL_VERSION) throw new Refusal(400, `unsupported protocol version (${auth.version})`);
  return { ...auth, publicKey };
}

/**
 * The `dsn` of an envelope header (`http://KEY@host/42`): Relay authenticates an envelope with it
 * when the request has no credentials of its own. Anything but a DSN with a key and a numeric
 * project id is "bad envelope authentication header" (401).
 */
export function dsnFromEnvelopeHeader(dsn: unknown): EnvelopeDsn {
  const bad = (cause: string) => new Refusal(401, 'bad envelope authentication header', [cause]);
  if (typeof dsn !== 'string') throw bad(dsn === undefined ? 'the envelope header has no dsn' : 'dsn: expected a string');
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    throw bad('dsn: not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad('dsn: expected an http or https URL');
  if (!url.username) throw bad('dsn: no public key (the user part of the DSN)');
  const projectId = url.pathname.split('/').filter(Boolean).pop() ?? '';
  if (!/^[0-9]{1,19}$/.test(projectId)) throw bad('dsn: no numeric project id at the end of its path');
  return { publicKey: checked({ publicKey: decodeURIComponent(url.username), version: PROTOCOL_VERSION }).publicKey, projectId };
}
