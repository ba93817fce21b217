/** The parts of OTLP/JSON every signal shares: AnyValue, attributes, resource, scope, envelope. */
import type { DecodeLimits } from '../decode-limits.js';
import type { AnyValue, Attributes, InstrumentationScope, Resource } from '../model.js';
import { BOOL, BYTES, DOUBLE, INT64, Msg, STRING, UINT32, oneofTable } from './reader.js';
import { base64, double, int, list, str } from './writer.js';

/**
 * Nesting limit for array/kvlist values, as protobuf runtimes have one: recursion deeper than
 * this would only serve to exhaust the stack of every component that walks the value.
 */
export const MAX_VALUE_DEPTH = 100;

const ANY_VALUE = oneofTable(['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue']);

function checkDepth(m: Msg, depth: number): void {
  if (depth >= MAX_VALUE_DEPTH) throw m.error(`values nested at most ${MAX_VALUE_DEPTH} levels deep`, 'deeper nesting');
}

export function decodeAnyValue(m: Msg, depth = 0): AnyValue {
  switch (m.oneof(ANY_VALUE)) {
    case 'stringValue':
      return m.get('stringValue', STRING);
    case 'boolValue':
      return m.get('boolValue', BOOL);
    case 'intValue':
      return m.get('intValue', INT64);
    case 'doubleValue':
      return m.get('doubleValue', DOUBLE);
    case 'bytesValue':
      return m.get('bytesValue', BYTES);
    case 'arrayValue':
      checkDepth(m, depth);
      return m.message('arrayValue').messages('values', 'values', (v) => decodeAnyValue(v, depth + 1));
    case 'kvlistValue':
      checkDepth(m, depth);
      return decodeAttributes(m.message('kvlistValue'), 'values', depth + 1);
    default:
      return null;
  }
}

export function decodeAttributes(m: Msg, name = 'attributes', depth = 0): Attributes {
  const out: Attributes = new Map();
  m.each(name, 'values', (kv) => {
    out.set(kv.get('key', STRING), decodeAnyValue(kv.message('value'), depth));
  });
  return out;
}

export function encodeAnyValue(v: AnyValue): object {
  switch (typeof v) {
    case 'string':
      return { stringValue: v };
    case 'boolean':
      return { boolValue: v };
    case 'bigint':
      return { intValue: v.toString() };
    case 'number':
      return { doubleValue: double(v) };
  }
  if (v === null) return {};
  if (v instanceof Uint8Array) return { bytesValue: base64(v) };
  if (Array.isArray(v)) return { arrayValue: { values: list(v, encodeAnyValue) } };
  return { kvlistValue: { values: encodeAttributes(v) } };
}

export function encodeAttributes(a: Attributes): object[] | undefined {
  if (a.size === 0) return undefined;
  const out: object[] = [];
  for (const [key, value] of a) out.push({ key, value: encodeAnyValue(value) });
  return out;
}

export function decodeResource(m: Msg): Resource {
  return { attributes: decodeAttributes(m), droppedAttributesCount: m.get('droppedAttributesCount', UINT32) };
}

export function encodeResource(r: Resource): object {
  return { attributes: encodeAttributes(r.attributes), droppedAttributesCount: int(r.droppedAttributesCount) };
}

export function decodeScope(m: Msg): InstrumentationScope {
  return {
    name: m.get('name', STRING),
    version: m.get('version', STRING),
    attributes: decodeAttributes(m),
    droppedAttributesCount: m.get('droppedAttributesCount', UINT32),
  };
}

export function encodeScope(s: InstrumentationScope): object {
  return {
    name: str(s.name),
    version: str(s.version),
    attributes: encodeAttributes(s.attributes),
    droppedAttributesCount: int(s.droppedAttributesCount),
  };
}

/**
 * The resource → scope → items nesting, identical for all signals but for three field names.
 * Field names are the same in the model and on the wire, so one walker serves both directions.
 */
export interface Envelope<Item> {
  resources: string;
  scopes: string;
  items: string;
  decodeItem(m: Msg): Item;
  encodeItem(item: Item): object;
  /** Request fields beside the resources (the profiles dictionary), in both directions. */
  decodeExtra?(root: Msg): object;
  encodeExtra?(data: object): object;
}

interface ScopeGroup {
  scope: InstrumentationScope;
  schemaUrl: string;
  [items: string]: unknown;
}

interface ResourceGroup {
  resource: Resource;
  schemaUrl: string;
  [scopes: string]: unknown;
}

export function decodeEnvelope<Item>(env: Envelope<Item>, json: unknown, limits?: DecodeLimits): unknown {
  const root = Msg.root(json, limits);
  return {
    ...env.decodeExtra?.(root),
    [env.resources]: root.messages(env.resources, 'items', (r) => ({
      resource: decodeResource(r.message('resource')),
      schemaUrl: r.get('schemaUrl', STRING),
      [env.scopes]: r.messages(env.scopes, 'items', (s) => ({
        scope: decodeScope(s.message('scope')),
        schemaUrl: s.get('schemaUrl', STRING),
        [env.items]: s.messages(env.items, 'items', env.decodeItem),
      })),
    })),
  };
}

export function encodeEnvelope<Item>(env: Envelope<Item>, data: object): object {
  const resources = (data as Record<string, ResourceGroup[]>)[env.resources];
  return {
    [env.resources]: resources.map((r) => ({
      resource: encodeResource(r.resource),
      [env.scopes]: (r[env.scopes] as ScopeGroup[]).map((s) => ({
        scope: encodeScope(s.scope),
        [env.items]: list(s[env.items] as Item[], env.encodeItem),
        schemaUrl: str(s.schemaUrl),
      })),
      schemaUrl: str(r.schemaUrl),
    })),
    ...env.encodeExtra?.(data),
  };
}
