import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AuthenticationError, setHeader, type ClientAuthenticator, type ServerAuthenticator } from '../../pipeline/auth.js';
import type { ComponentFactory, ComponentInstance } from '../../pipeline/component.js';
import { parseHtpasswd } from './htpasswd.js';

export interface BasicAuthConfig {
  htpasswd?: { file?: string; inline?: string };
  client_auth?: { username: string; password: string };
}

/**
 * Upstream's basicauth: as a server authenticator it checks `Authorization: Basic` against
 * htpasswd entries (a file, and inline lines); as a client authenticator it sends client_auth.
 */
export const basicAuthFactory: ComponentFactory<BasicAuthConfig> = {
  type: 'basicauth',
  kind: 'extension',
  stability: 'beta',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      htpasswd: {
        type: 'object',
        additionalProperties: false,
        properties: { file: { type: 'string', minLength: 1 }, inline: { type: 'string', description: 'htpasswd lines, user:hash' } },
      },
      client_auth: {
        type: 'object',
        additionalProperties: false,
        required: ['username', 'password'],
        properties: { username: { type: 'string', minLength: 1 }, password: { type: 'string' } },
      },
    },
  },
  validate(c) {
    if (c.htpasswd && c.client_auth) return [{ path: '', message: 'set htpasswd (server) or client_auth (client), not both' }];
    if (!c.htpasswd && !c.client_auth) return [{ path: '', message: 'set htpasswd (to check clients) or client_auth (to send credentials)' }];
    if (c.client_auth?.username.includes(':')) return [{ path: 'client_auth.username', message: 'must not contain ":" (Basic auth separates user and password with it)' }];
    return [];
  },
  create(ctx, config): ComponentInstance & ServerAuthenticator & ClientAuthenticator {
    let users = new Map<string, (password: string) => boolean>();
    const client = config.client_auth;
    const credentials = client ? Buffer.from(`${client.username}:${client.password}`).toString('base64') : undefined;
    return {
      challenge: 'Basic realm="summit"',
      async start() {
        const h = config.htpasswd;
        if (!h) return;
        const file = h.file === undefined ? undefined : resolve(ctx.configDir, h.file);
        // inline entries win over the file's, as upstream reads the file first
        users = new Map([...(file ? parseHtpasswd(readFileSync(file, 'utf8'), file) : []), ...parseHtpasswd(h.inline ?? '', 'htpasswd.inline')]);
      },
      async authenticate(headers) {
        if (!config.htpasswd) throw new AuthenticationError(`${ctx.id} has no htpasswd: it only sends credentials`);
        const m = /^basic\s+(\S+)\s*$/i.exec(headers.authorization?.[0] ?? '');
        if (!m) throw new AuthenticationError('no basic auth provided');
        const decoded = Buffer.from(m[1], 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon < 0) throw new AuthenticationError('invalid basic auth credentials');
        const username = decoded.slice(0, colon);
        const check = users.get(username);
        // an unknown user costs a comparison too, so that timing does not tell which users exist
        const ok = check ? check(decoded.slice(colon + 1)) : (users.values().next().value?.(decoded.slice(colon + 1)), false);
        if (!ok) throw new AuthenticationError('invalid basic auth credentials');
        return { username, raw: m[1] };
      },
      async applyHeaders(headers) {
        if (!credentials) throw new Error(`${ctx.id} has no client_auth: it only checks credentials`);
        setHeader(headers, 'Authorization', `Basic ${credentials}`);
      },
      secrets: () => (credentials && client ? [credentials, client.password] : []),
    };
  },
};
