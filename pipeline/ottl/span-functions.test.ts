import { describe, expect, it } from 'vitest';
import { attrs, newResource, newScope, newSpan } from '../builders.js';
import { SpanKind } from '../model.js';
import { compileStatement, OttlParseError, type SpanItem } from './index.js';

// Cases from upstream's func_set_semconv_span_name_test.go (TestSemconvSpanName, Test_messagingDestination).
const CASES: [string, string, SpanKind, Record<string, unknown>, string][] = [
  ['HTTP server: method and route', 'GET /users/123', SpanKind.Server, { 'http.request.method': 'GET', 'http.route': '/users/:id' }, 'GET /users/:id'],
  ['HTTP server: deprecated http.method and route', 'GET /users/123', SpanKind.Server, { 'http.method': 'GET', 'http.route': '/users/:id' }, 'GET /users/:id'],
  ['HTTP server: method only', 'GET /users/123', SpanKind.Server, { 'http.request.method': 'GET' }, 'GET'],
  [
    'next.js high-cardinality names',
    'GET /app/workspaces/7?_rsc=hn5g2',
    SpanKind.Server,
    { 'http.method': 'GET', 'next.span_name': 'GET /app/workspaces/7?_rsc=hn5g2', 'http.target': '/app/workspaces/7?_rsc=hn5g2', 'http.status': '200' },
    'GET',
  ],
  ['HTTP client: method and url.template', 'GET /users/123', SpanKind.Client, { 'http.request.method': 'GET', 'url.template': '/users/:id' }, 'GET /users/:id'],
  ['HTTP client: deprecated method only', 'GET /users/123', SpanKind.Client, { 'http.method': 'GET' }, 'GET'],
  [
    'DB client: postgresql operation and collection',
    'INSERT webshop.orders',
    SpanKind.Client,
    { 'db.system.name': 'postgresql', 'db.namespace': 'webshop', 'db.operation.name': 'INSERT', 'db.collection.name': 'orders', 'db.query.text': 'insert into orders ...' },
    'INSERT webshop.orders',
  ],
  [
    'DB client: redis without operation uses server.address',
    'HGET',
    SpanKind.Client,
    { 'db.redis.database_index': 0n, 'db.statement': 'HGET 7175d9c6', 'db.system': 'redis', 'server.address': 'valkey-cart' },
    'valkey-cart',
  ],
  ['DB client: deprecated db.name', 'otel', SpanKind.Client, { 'db.system': 'postgresql', 'db.connection_id': 54n, 'db.name': 'otel', 'net.peer.name': 'postgresql' }, 'otel'],
  [
    'gRPC client',
    'oteldemo.CartService/GetCart',
    SpanKind.Client,
    { 'rpc.grpc.status_code': 0n, 'rpc.grpc.method': 'GetCart', 'rpc.grpc.service': 'oteldemo.CartService', 'rpc.system': 'grpc', 'server.address': '127.18.0.18' },
    'oteldemo.CartService/GetCart',
  ],
  ['gRPC server: service only', 'x', SpanKind.Server, { 'rpc.service': 'oteldemo.AdService', 'rpc.system': 'grpc' }, 'oteldemo.AdService/*'],
  [
    'Kafka consumer',
    'orders receive',
    SpanKind.Consumer,
    { 'messaging.destination.name': 'orders', 'messaging.operation': 'receive', 'messaging.system': 'kafka' },
    'receive orders',
  ],
  [
    'Kafka producer',
    'orders publish',
    SpanKind.Producer,
    { 'messaging.destination.name': 'orders', 'messaging.kafka.producer.success': true, 'messaging.operation': 'publish', 'messaging.system': 'kafka' },
    'publish orders',
  ],
  [
    'templated queue',
    'send /customers/123456',
    SpanKind.Producer,
    { 'messaging.system': 'x', 'messaging.operation.name': 'send', 'messaging.destination.template': '/customers/{customerId}', 'messaging.destination.name': '/customers/123456' },
    'send /customers/{customerId}',
  ],
  ['temporary queue', 'send amq.gen-1', SpanKind.Producer, { 'messaging.system': 'x', 'messaging.operation.name': 'send', 'messaging.destination.temporary': true }, 'send (temporary)'],
  ['messaging server address and port', 'x', SpanKind.Consumer, { 'messaging.system': 'x', 'server.address': 'broker', 'server.port': 5672n }, 'broker:5672'],
  ['internal span keeps its name', 'compute', SpanKind.Internal, { 'http.request.method': 'GET' }, 'compute'],
  ['server span without conventions keeps its name', 'handler', SpanKind.Server, { foo: 'bar' }, 'handler'],
];

describe('set_semconv_span_name', () => {
  for (const [name, current, kind, attributes, want] of CASES) {
    it(name, () => {
      const item: SpanItem = { span: newSpan({ name: current, kind, attributes: attrs(attributes) }), scope: newScope(), resource: newResource() };
      compileStatement('set_semconv_span_name("1.43.0", "original_span_name")', 'span')(item);
      expect(item.span.name).toBe(want);
      expect(item.span.attributes.get('original_span_name')).toBe(want === current ? undefined : current);
    });
  }

  it('without the attribute argument the original name is not kept', () => {
    const item: SpanItem = { span: newSpan({ name: 'GET /u/1', kind: SpanKind.Server, attributes: attrs({ 'http.request.method': 'GET' }) }), scope: newScope(), resource: newResource() };
    compileStatement('set_semconv_span_name("1.37.0")', 'span')(item);
    expect([item.span.name, item.span.attributes.size]).toEqual(['GET', 1]);
  });

  it('rejects an unsupported version, an empty attribute name and other contexts', () => {
    expect(() => compileStatement('set_semconv_span_name("1.26.0")', 'span')).toThrow(/unsupported semconv version 1.26.0/);
    expect(() => compileStatement('set_semconv_span_name("1.43.0", "")', 'span')).toThrow(/cannot be an empty string/);
    expect(() => compileStatement('set_semconv_span_name("1.43.0")', 'log')).toThrow(OttlParseError);
  });
});
