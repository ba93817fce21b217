import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setHeader, type ClientAuthenticator } from '../../pipeline/auth.js';
import type { ComponentFactory, ComponentInstance } from '../../pipeline/component.js';
import { durationSchema, parseDuration } from '../../pipeline/duration.js';
import { clientTlsOptions, clientTlsSchema, type ClientTlsConfig } from '../../pipeline/tlsconfig.js';
import { fetchToken, type Token } from './token.js';

export interface OAuth2ClientConfig {
  client_id?: string;
  client_id_file?: string;
  client_secret?: string;
  client_secret_file?: string;
  token_url: string;
  scopes?: string[];
  audience?: string;
  endpoint_params?: Record<string, string | string[]>;
  timeout: string;
  expiry_buffer: string;
  tls?: ClientTlsConfig;
}

/**
 * Upstream's oauth2client: gets an access token by the client-credentials grant, keeps it until
 * `expiry_buffer` before it expires, then gets another, and sends it as `Authorization: Bearer`.
 * Requests waiting for a token share one fetch.
 */
export const oauth2ClientFactory: ComponentFactory<OAuth2ClientConfig> = {
  type: 'oauth2client',
  kind: 'extension',
  stability: 'beta',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['token_url'],
    properties: {
      client_id: { type: 'string', minLength: 1 },
      client_id_file: { type: 'string', minLength: 1 },
      client_secret: { type: 'string' },
      client_secret_file: { type: 'string', minLength: 1 },
      token_url: { type: 'string', pattern: '^https?://', description: 'the token endpoint, e.g. https://auth.example.com/oauth2/token' },
      scopes: { type: 'array', items: { type: 'string' } },
      audience: { type: 'string' },
      endpoint_params: { type: 'object', additionalProperties: { type: ['string', 'array'], items: { type: 'string' } } },
      timeout: durationSchema('0s'),
      expiry_buffer: durationSchema('5m'),
      tls: clientTlsSchema,
    },
  },
  validate(c) {
    const problems: { path: string; message: string }[] = [];
    if ((c.client_id === undefined) === (c.client_id_file === undefined)) problems.push({ path: 'client_id', message: 'set client_id or client_id_file (one of them)' });
    if ((c.client_secret === undefined) === (c.client_secret_file === undefined)) problems.push({ path: 'client_secret', message: 'set client_secret or client_secret_file (one of them)' });
    return problems;
  },
  create(ctx, config): ComponentInstance & ClientAuthenticator {
    // the files are read at every fetch, as upstream does, so that a rotated secret is picked up
    const fromFile = (value: string | undefined, file: string | undefined) => value ?? readFileSync(resolve(ctx.configDir, file!), 'utf8').trim();
    const timeoutMs = Math.max(0, parseDuration(config.timeout));
    const bufferMs = Math.max(0, parseDuration(config.expiry_buffer));
    const tls = clientTlsOptions(config.tls, ctx.configDir);
    let token: Token | undefined;
    let pending: Promise<Token> | undefined;
    let lastSecret = '';

    const fresh = () => token && (token.expiresAt === undefined || Date.now() < token.expiresAt - bufferMs);
    const get = async (): Promise<Token> => {
      if (fresh()) return token!;
      pending ??= (async () => {
        try {
          lastSecret = fromFile(config.client_secret, config.client_secret_file);
          const params: Record<string, string | string[]> = { ...config.endpoint_params, ...(config.audience ? { audience: config.audience } : {}) };
          token = await fetchToken(new URL(config.token_url), {
            clientId: fromFile(config.client_id, config.client_id_file),
            clientSecret: lastSecret,
            scopes: config.scopes ?? [],
            params,
            timeoutMs,
            tls,
          });
          return token;
        } finally {
          pending = undefined;
        }
      })();
      return pending;
    };
    return {
      async applyHeaders(headers) {
        const t = await get();
        setHeader(headers, 'Authorization', `${t.type} ${t.accessToken}`);
      },
      secrets: () => [lastSecret, ...(token ? [token.accessToken] : [])].filter(Boolean),
    };
  },
};
