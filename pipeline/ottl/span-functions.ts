import { SpanKind, type AnyValue, type Attributes, type Span } from '../model.js';
import type { SpanItem } from './contexts.js';
import type { FunctionSpec } from './functions.js';
import { toStringLike } from './values.js';

/**
 * The transform processor's span-only editor set_semconv_span_name: renames a span to the
 * low-cardinality name its semantic-convention attributes define (HTTP, RPC, database,
 * messaging), keeping the name when none applies. The algorithm is upstream's, which is the
 * same for every semantic-convention version it accepts.
 */

const SEMCONV_VERSIONS = ['1.37.0', '1.38.0', '1.39.0', '1.40.0', '1.41.0', '1.42.0', '1.43.0'];

type Get = (key: string, legacy?: string) => string | undefined;

function attributeReader(attributes: Attributes): Get {
  const text = (v: AnyValue | undefined): string | undefined => (v === undefined ? undefined : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : (toStringLike(v) ?? ''));
  return (key, legacy) => text(attributes.get(key) ?? (legacy === undefined ? undefined : attributes.get(legacy)));
}

const joined = (a: string | undefined, sep: string, b: string | undefined): string | undefined => (a !== undefined && b !== undefined ? a + sep + b : undefined);

function httpName(get: Get, subjectKey: string): string | undefined {
  const method = get('http.request.method', 'http.method');
  if (method === undefined) return undefined;
  return joined(method, ' ', get(subjectKey)) ?? method;
}

function rpcName(get: Get): string | undefined {
  const system = get('rpc.system');
  if (system === undefined) return undefined;
  const method = get('rpc.method', 'rpc.grpc.method');
  const service = get('rpc.service', 'rpc.grpc.service');
  return joined(service, '/', method) ?? method ?? (service !== undefined ? `${service}/*` : system);
}

/** host:port, or host alone. */
const serverAddress = (get: Get): string | undefined => {
  const host = get('server.address');
  return joined(host, ':', get('server.port')) ?? host;
};

function databaseTarget(get: Get): string | undefined {
  const namespace = get('db.namespace', 'db.name') || undefined;
  const within = (name: string | undefined): string | undefined => (name === undefined ? undefined : namespace !== undefined ? `${namespace}.${name}` : name);
  return within(get('db.collection.name')) ?? within(get('db.stored_procedure.name')) ?? namespace ?? serverAddress(get);
}

function dbName(get: Get): string | undefined {
  const system = get('db.system.name', 'db.system');
  if (system === undefined) return undefined;
  const summary = get('db.query.summary');
  if (summary !== undefined) return summary;
  const operation = get('db.operation.name', 'db.operation') || undefined;
  const target = databaseTarget(get) || undefined;
  return joined(operation, ' ', target) ?? operation ?? target ?? system;
}

function messagingDestination(attributes: Attributes, get: Get): string | undefined {
  if (attributes.get('messaging.destination.temporary') === true) return '(temporary)';
  if (attributes.get('messaging.destination.anonymous') === true) return '(anonymous)';
  return get('messaging.destination.template') ?? get('messaging.destination.name', 'messaging.destination') ?? serverAddress(get);
}

function messagingName(attributes: Attributes, get: Get): string | undefined {
  const system = get('messaging.system');
  if (system === undefined) return undefined;
  const operation = get('messaging.operation.name', 'messaging.operation');
  const destination = messagingDestination(attributes, get) || undefined;
  return joined(operation, ' ', destination) ?? destination ?? operation ?? system;
}

/** Upstream's SemconvSpanName: the first convention that yields a non-empty name, per span kind. */
export function semconvSpanName(span: Span): string {
  const get = attributeReader(span.attributes);
  const messaging = (): string | undefined => messagingName(span.attributes, get);
  const candidates: (() => string | undefined)[] =
    span.kind === SpanKind.Server
      ? [() => httpName(get, 'http.route'), () => rpcName(get), messaging]
      : span.kind === SpanKind.Client
        ? [() => httpName(get, 'url.template'), () => rpcName(get), () => dbName(get), messaging]
        : span.kind === SpanKind.Consumer || span.kind === SpanKind.Producer
          ? [messaging]
          : [];
  for (const candidate of candidates) {
    const name = candidate();
    if (name) return name;
  }
  return span.name;
}

export const SPAN_FUNCTIONS: Record<string, FunctionSpec> = {
  set_semconv_span_name: {
    params: ['semconv_version', 'original_span_name_attribute'],
    optional: 1,
    contexts: ['span'],
    literals: [0, 1],
    build: ([version, originalAttribute], fail) => {
      const v = version!.constant!.value as string;
      if (!SEMCONV_VERSIONS.includes(v)) fail(0, `unsupported semconv version ${v}; supported: ${SEMCONV_VERSIONS.join(', ')}`);
      const keep = originalAttribute?.constant?.value as string | undefined;
      if (keep === '') fail(1, 'original_span_name_attribute cannot be an empty string');
      return (it) => {
        const { span } = it as SpanItem;
        const original = span.name;
        span.name = semconvSpanName(span);
        if (keep !== undefined && span.name !== original) span.attributes.set(keep, original);
        return null;
      };
    },
  },
};
