/**
 * The authentication contract (upstream's extensionauth): servers and clients name an extension
 * with `auth: {authenticator: <id>}`; the extension's instance implements {@link
 * ServerAuthenticator}, {@link ClientAuthenticator} or both, and is found through the Host.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ComponentInstance, Host, JSONSchema } from './component.js';
import type { ClientInfo } from './client-info.js';

/** `auth:` as servers write it (configauth.Config plus confighttp's request_params). */
export interface ServerAuthConfig {
  authenticator: string;
  /** HTTP only: query parameters handed to the authenticator along with the headers. */
  request_params?: string[];
}

/** `auth:` as clients write it. */
export interface ClientAuthConfig {
  authenticator: string;
}

export const serverAuthSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['authenticator'],
  properties: {
    authenticator: { type: 'string', minLength: 1, description: 'id of an authenticator extension, e.g. bearertokenauth/in' },
    request_params: { type: 'array', items: { type: 'string' } },
  },
};

export const clientAuthSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['authenticator'],
  properties: { authenticator: { type: 'string', minLength: 1, description: 'id of an authenticator extension, e.g. oauth2client' } },
};

/** A refusal: answered 401 (HTTP) or UNAUTHENTICATED (gRPC) with its message, which must hold no secret. */
export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
}

export interface ServerAuthenticator {
  /**
   * Decides on a request from its headers (gRPC metadata; names lower-cased, plus any
   * request_params). Resolves with what it learned about the client (its `auth.*` attributes),
   * rejects with an AuthenticationError to refuse.
   */
  authenticate(headers: Record<string, string[]>): Promise<Record<string, unknown> | undefined>;
  /** The WWW-Authenticate challenge of a 401, e.g. `Bearer realm="summit"`. */
  readonly challenge?: string;
}

export interface ClientAuthenticator {
  /**
   * Sets the headers (gRPC metadata) of one outgoing request, for the client whose data it
   * carries; `headers` holds those the exporter sets (its `headers` key), names as written.
   */
  applyHeaders(headers: Record<string, string>, client: ClientInfo | undefined): Promise<void>;
  /** Secrets it sends, so that an echoing backend's answer can be scrubbed of them. */
  secrets?(): string[];
}

export function isServerAuthenticator(x: unknown): x is ServerAuthenticator {
  return typeof (x as Partial<ServerAuthenticator> | undefined)?.authenticate === 'function';
}

export function isClientAuthenticator(x: unknown): x is ClientAuthenticator {
  return typeof (x as Partial<ClientAuthenticator> | undefined)?.applyHeaders === 'function';
}

function find<T>(host: Host, id: string, is: (x: ComponentInstance | undefined) => x is T & ComponentInstance, side: string): T {
  const extension = host.getExtension(id);
  if (!is(extension)) {
    throw new Error(
      `auth.authenticator: "${id}" is ${extension ? `not a ${side} authenticator` : 'not a running extension (define it under extensions: and list it in service.extensions)'}`,
    );
  }
  return extension;
}

export function serverAuthenticator(host: Host, auth: ServerAuthConfig): ServerAuthenticator {
  return find(host, auth.authenticator, isServerAuthenticator as (x: unknown) => x is ServerAuthenticator & ComponentInstance, 'server');
}

export function clientAuthenticator(host: Host, auth: ClientAuthConfig): ClientAuthenticator {
  return find(host, auth.authenticator, isClientAuthenticator as (x: unknown) => x is ClientAuthenticator & ComponentInstance, 'client');
}

/** What a request is asked to show, and what the authenticator made of it. */
export type AuthOutcome = { ok: true; attributes?: Record<string, unknown> } | { ok: false; message: string };

/** Runs the authenticator; any failure (a bug included) refuses the request. */
export async function authenticate(authenticator: ServerAuthenticator, headers: Record<string, string[]>): Promise<AuthOutcome> {
  try {
    return { ok: true, attributes: await authenticator.authenticate(headers) };
  } catch (err) {
    return { ok: false, message: err instanceof AuthenticationError ? err.message : 'authentication failed' };
  }
}

/**
 * Whether a presented secret equals the expected one, in time that depends on neither (both
 * are hashed first, so that not even their lengths show).
 */
export function secretsEqual(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The name under which `headers` holds `name`, whatever its case (header names are case-insensitive). */
export function headerKey(headers: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(headers).find((k) => k.toLowerCase() === lower);
}

/** Sets a header, replacing one of the same name in another case. */
export function setHeader(headers: Record<string, string>, name: string, value: string): void {
  const existing = headerKey(headers, name);
  if (existing !== undefined) delete headers[existing];
  headers[name] = value;
}
