import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { AuthenticationError, secretsEqual, setHeader, type ClientAuthenticator, type ServerAuthenticator } from '../../pipeline/auth.js';
import type { ComponentFactory, ComponentInstance } from '../../pipeline/component.js';

export interface BearerTokenAuthConfig {
  scheme: string;
  header: string;
  token?: string;
  tokens?: string[];
  filename?: string;
}

/** How often the token file is looked at for a change (upstream is told by the file system). */
const FILE_POLL_MS = 1000;

/** Tokens in a file: one a line, blank lines skipped (a file of one token is the usual case). */
function readTokens(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}

/**
 * Upstream's bearertokenauth: servers accept requests whose `header` is `<scheme> <token>` for
 * one of the tokens; clients send it. With `filename`, the tokens are read again when the file
 * changes.
 */
export const bearerTokenAuthFactory: ComponentFactory<BearerTokenAuthConfig> = {
  type: 'bearertokenauth',
  kind: 'extension',
  stability: 'beta',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      scheme: { type: 'string', default: 'Bearer' },
      header: { type: 'string', minLength: 1, default: 'Authorization' },
      token: { type: 'string', minLength: 1 },
      tokens: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
      filename: { type: 'string', minLength: 1, description: 'a file of tokens, one a line; read again when it changes' },
    },
  },
  validate(c) {
    const sources = (['token', 'tokens', 'filename'] as const).filter((k) => c[k] !== undefined);
    if (sources.length === 0) return [{ path: '', message: 'set one of token, tokens or filename' }];
    if (sources.length > 1) return [{ path: sources[1], message: `set only one of token, tokens or filename (also set: ${sources[0]})` }];
    return [];
  },
  create(ctx, config): ComponentInstance & ServerAuthenticator & ClientAuthenticator {
    const header = config.header.toLowerCase();
    const file = config.filename === undefined ? undefined : resolve(ctx.configDir, config.filename);
    let tokens = config.token !== undefined ? [config.token] : (config.tokens ?? []);
    const value = (token: string) => (config.scheme ? `${config.scheme} ${token}` : token);
    // the file's identity when it was read: taken with the read itself (fs.watchFile takes its
    // baseline later, on the thread pool, and misses a change made in between)
    const version = () => {
      const st = statSync(file!, { throwIfNoEntry: false });
      return st ? `${st.ino}:${st.size}:${st.mtimeMs}` : 'missing';
    };
    let readVersion = '';
    let poller: NodeJS.Timeout | undefined;
    const reload = () => {
      const now = version();
      if (now === readVersion) return;
      readVersion = now;
      try {
        tokens = readTokens(file!);
        ctx.logger.info(`${ctx.id}: read ${tokens.length} token(s) from ${file}`);
      } catch (err) {
        // the tokens read last stay in force: a file being replaced must not lock every client out
        ctx.logger.error(`${ctx.id}: cannot read the token file ${file}: ${(err as Error).message}; the tokens read before stay in force`);
      }
    };
    return {
      challenge: config.scheme ? `${config.scheme} realm="summit"` : undefined,
      async start() {
        if (!file) return;
        readVersion = version();
        tokens = readTokens(file); // at start a missing file is a start-up error
        poller = setInterval(reload, FILE_POLL_MS).unref();
      },
      async shutdown() {
        clearInterval(poller);
      },
      async authenticate(headers) {
        const given = headers[header]?.[0];
        if (!given) throw new AuthenticationError(`missing or empty ${config.header} header`);
        // every token is compared, so the time taken does not tell which one came close
        let match = false;
        for (const t of tokens) if (secretsEqual(given, value(t))) match = true;
        if (!match) throw new AuthenticationError(`${config.header} header: scheme or token does not match`);
        return undefined;
      },
      async applyHeaders(headers) {
        if (tokens.length === 0) throw new Error(`${ctx.id}: no token to send (${file} is empty)`);
        setHeader(headers, config.header, value(tokens[0]));
      },
      secrets: () => tokens,
    };
  },
};
