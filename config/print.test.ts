import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { printConfig } from './print.js';
import { isSecretKey, isSecretPath } from './secrets.js';

describe('isSecretKey', () => {
  it.each(['cookie', 'set-cookie', 'x-sf-token', 'dd-api-key', 'proxy-authorization', 'password', 'db_password', 'passwd', 'client_secret', 'token', 'bearer_token', 'api_key', 'apikey', 'x-api-key', 'API-Key', 'Authorization', 'auth', 'basic_auth', 'client-auth', 'credentials', 'private_key', 'hmac_key', 'bearer', 'htpasswd'])(
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

describe('isSecretPath', () => {
  it.each([
    [['headers', 'x-honeycomb-team']],
    [['exporters', 'otlp', 'headers', 'x-tenant']],
    [['receivers', 'otlp', 'protocols', 'http', 'response_headers', 'x-anything']],
    [['headers']],
    [['headers', '0', 'value']],
    [['headers', '0', 'default_value']],
    [['client_auth', 'username']],
    [['api', 'key']],
  ])('%j is secret', (path) => expect(isSecretPath(path)).toBe(true));
  it.each([
    [['headers', '0', 'key']],
    [['headers', '0', 'action']],
    [['headers', '0', 'from_context']],
    [['auth', 'authenticator']],
    [['exporters', 'otlphttp', 'endpoint']],
    [[]],
  ])('%j is not', (path) => expect(isSecretPath(path)).toBe(false));
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
    expect(back.extensions.bearertokenauth.token).toBe('[REDACTED]');
    expect(back.extensions.oauth2client).toEqual({ client_id: 'id', client_secret: '[REDACTED]', scopes: ['a'] });
  });

  it('masks every scalar of a map under a secret key', () => {
    expect(back.extensions['basicauth/client'].client_auth).toEqual({ username: '[REDACTED]', password: '[REDACTED]' });
    expect(back.extensions['basicauth/server'].htpasswd).toEqual({ inline: '[REDACTED]', file: '[REDACTED]' });
  });

  it('masks every header value, whatever its name, as upstream\'s configopaque does, and keeps the names', () => {
    const headers = {
      Authorization: 'Bearer abc', 'x-api-key': 'k-123', 'x-tenant': 'acme', 'x-honeycomb-team': 'hc-key-1', 'dd-api-key': 'dd-key-1',
      'x-sf-token': 'sf-1', 'proxy-authorization': 'Basic cHJveHk=', cookie: 'session=s1', 'set-cookie': 'id=s2', 'x-scope-orgid': 42,
    };
    const out = parse(printConfig({ exporters: { otlphttp: { headers }, otlp: { headers: 'x-api-key=k-456' } }, receivers: { otlp: { protocols: { http: { response_headers: { 'x-key': 'r-1' } } } } } }));
    expect(out.exporters.otlphttp.headers).toEqual(Object.fromEntries(Object.keys(headers).map((k) => [k, '[REDACTED]'])));
    expect(out.exporters.otlp.headers).toBe('[REDACTED]');
    expect(out.receivers.otlp.protocols.http.response_headers).toEqual({ 'x-key': '[REDACTED]' });
  });

  it('masks the values of a list of header entries but not the header names', () => {
    const headers = [{ action: 'insert', key: 'X-Scope-OrgID', value: 'tenant-secret' }, { key: 'x-key', from_context: 'tenant', default_value: 'dflt-secret' }];
    expect(parse(printConfig({ extensions: { headers_setter: { headers } } })).extensions.headers_setter.headers).toEqual([
      { action: 'insert', key: 'X-Scope-OrgID', value: '[REDACTED]' },
      { key: 'x-key', from_context: 'tenant', default_value: '[REDACTED]' },
    ]);
  });

  it('masks a cookie outside headers too', () => {
    expect(parse(printConfig({ receivers: { scraper: { cookie: 'sid=abc' } } })).receivers.scraper.cookie).toBe('[REDACTED]');
  });

  it('replaces the userinfo of every URL with *** and keeps the rest of the URL', () => {
    const out = printConfig({
      exporters: {
        otlphttp: { endpoint: 'https://user:p%40ss@otlp.example.com:4318/base?x=1', traces_endpoint: 'http://tok3n@traces.example.com/v1/traces' },
        file: { note: 'see https://admin:hunter2@wiki.example.com/page and http://a:b@c.example' },
      },
    });
    const back = parse(out);
    expect(back.exporters.otlphttp).toEqual({ endpoint: 'https://***@otlp.example.com:4318/base?x=1', traces_endpoint: 'http://***@traces.example.com/v1/traces' });
    expect(back.exporters.file.note).toBe('see https://***@wiki.example.com/page and http://***@c.example');
    expect(out).not.toMatch(/p%40ss|tok3n|hunter2|a:b/);
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
