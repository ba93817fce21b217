import { headerKey, setHeader, type ClientAuthenticator } from '../../pipeline/auth.js';
import { metadataValue, type ClientInfo } from '../../pipeline/client-info.js';
import type { ComponentFactory, ComponentInstance } from '../../pipeline/component.js';

export interface HeaderEntry {
  key: string;
  value?: string;
  from_context?: string;
  from_attribute?: string;
  default_value?: string;
  action: 'insert' | 'update' | 'upsert' | 'delete';
}

export interface HeadersSetterConfig {
  headers: HeaderEntry[];
}

/** An entry's value for the client: its own, the client's metadata or auth attribute, else default_value. */
function valueFor(entry: HeaderEntry, client: ClientInfo | undefined): string | undefined {
  if (entry.value !== undefined) return entry.value;
  const found =
    entry.from_context !== undefined
      ? metadataValue(client, entry.from_context)
      : entry.from_attribute !== undefined && client?.auth?.[entry.from_attribute] != null
        ? String(client.auth[entry.from_attribute])
        : undefined;
  return found || entry.default_value;
}

/**
 * Upstream's headers_setter: a client authenticator that sets an exporter's request headers from
 * fixed values or from the metadata of the request the data came in with (the receiver's
 * include_metadata) — to pass a tenant id through, for example.
 */
export const headersSetterFactory: ComponentFactory<HeadersSetterConfig> = {
  type: 'headers_setter',
  kind: 'extension',
  stability: 'alpha',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['headers'],
    properties: {
      headers: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['key'],
          properties: {
            key: { type: 'string', minLength: 1 },
            value: { type: 'string' },
            from_context: { type: 'string', minLength: 1, description: 'a metadata key of the incoming request' },
            from_attribute: { type: 'string', minLength: 1, description: "an attribute the receiver's authenticator set, e.g. username" },
            default_value: { type: 'string' },
            action: { enum: ['insert', 'update', 'upsert', 'delete'], default: 'upsert' },
          },
        },
      },
    },
  },
  validate(c) {
    const problems: { path: string; message: string }[] = [];
    for (const [i, h] of (c.headers ?? []).entries()) {
      const sources = (['value', 'from_context', 'from_attribute'] as const).filter((k) => h[k] !== undefined);
      if (h.action !== 'delete' && sources.length !== 1) problems.push({ path: `headers[${i}]`, message: 'set exactly one of value, from_context or from_attribute' });
    }
    return problems;
  },
  create(_ctx, config): ComponentInstance & ClientAuthenticator {
    return {
      async applyHeaders(headers, client) {
        for (const entry of config.headers) {
          const present = headerKey(headers, entry.key) !== undefined;
          if (entry.action === 'delete') {
            if (present) delete headers[headerKey(headers, entry.key)!];
            continue;
          }
          if ((entry.action === 'insert' && present) || (entry.action === 'update' && !present)) continue;
          const value = valueFor(entry, client);
          if (value !== undefined && value !== '') setHeader(headers, entry.key, value);
        }
      },
    };
  },
};
