import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { printConfig } from './print.js';
import { isSecretKey } from './secrets.js';

describe('isSecretKey', () => {
  it.each(['password', 'db_password', 'passwd', 'client_secret', 'token', 'bearer_token', 'api_key', 'apikey', 'x-api-key', 'API-Key', 'Authorization', 'auth', 'basic_auth', 'client-auth', 'credentials', 'private_key', 'hmac_key', 'bearer', 'htpasswd'])(
    '%s is secret',
    (k) => expect(isSecretKey(k)).toBe(true),
  );
  it('counts a nested spelling like api: {key: ...} but not an attribute action key', () => {
    expect(isSecretKey('key', 'api')).toBe(true);
    expect(isSecretKey('value', 'client_secret')).toBe(true);
    expect(isSecretKey('key', 'actions')).toBe(false);
    expect(isSecretKey('key')).toBe(false);
  });
  it.each(['endpoint', 'author', 'authority', 'authenticator', 'key_file', 'insecure', 'verbosity', 'keys'])('%s is not', (k) => expect(isSecretKey(k)).toBe(false));
});

describe('printConfig', () => {
  const config = {
    exporters: {
      otlphttp: {
        endpoint: 'https://api.example.com',
        headers: { Authorization: 'Bearer abc', 'x-api-key': 'k-123', 'x-tenant': 'acme' },
        auth: { authenticator: 'basicauth/client' },
      },
    },
    extensions: {
      'basicauth/client': { client_auth: { username: 'u', password: 'p' } },
      bearertokenauth: { token: 12345 },
      'oauth2client': { client_id: 'id', client_secret: 's', scopes: ['a'] },
      'basicauth/server': { htpasswd: { inline: 'u:p', file: '/etc/htpasswd' } },
    },
    receivers: { postgresql: { password: '', username: 'monitoring', tls: { insecure: true } } },
    processors: { redaction: { hmac_key: null, blocked_values: ['\\d{16}'] } },
  };
  const printed = printConfig(config);
  const back = parse(printed);

  it('masks scalar values under secret keys', () => {
    expect(back.exporters.otlphttp.headers).toEqual({ Authorization: '[REDACTED]', 'x-api-key': '[REDACTED]', 'x-tenant': 'acme' });
    expect(back.extensions.bearertokenauth.token).toBe('[REDACTED]');
    expect(back.extensions.oauth2client).toEqual({ client_id: 'id', client_secret: '[REDACTED]', scopes: ['a'] });
  });

  it('masks every scalar of a map under a secret key', () => {
    expect(back.extensions['basicauth/client'].client_auth).toEqual({ username: '[REDACTED]', password: '[REDACTED]' });
    expect(back.extensions['basicauth/server'].htpasswd).toEqual({ inline: '[REDACTED]', file: '[REDACTED]' });
  });

  it('keeps what is not secret, and shows unset secrets as unset', () => {
    expect(back.exporters.otlphttp.endpoint).toBe('https://api.example.com');
    expect(back.exporters.otlphttp.auth).toEqual({ authenticator: 'basicauth/client' });
    expect(back.receivers.postgresql).toEqual({ password: '', username: 'monitoring', tls: { insecure: true } });
    expect(back.processors.redaction).toEqual({ hmac_key: null, blocked_values: ['\\d{16}'] });
    expect(printed).not.toMatch(/abc|k-123|12345|u:p/);
  });

  it('does not change the config it prints', () => {
    expect(config.exporters.otlphttp.headers.Authorization).toBe('Bearer abc');
  });
});
