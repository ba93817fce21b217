/**
 * `log` items → log records. A `log` item is a container (`{version, items: [...]}`, content type
 * `application/vnd.sentry.items.log+json`) of Sentry logs; each becomes one log record, its typed
 * attributes kept with their types. The attributes the SDK stamps on every log — release,
 * environment, SDK — describe the service, so they go to the resource (one per distinct set).
 */
import { newLogRecord, newScope } from '../../../pipeline/builders.js';
import type { AnyValue, Attributes, LogRecord, ResourceLogs } from '../../../pipeline/model.js';
import {
  Fields,
  expected,
  fieldPath,
  jsonToAnyValue,
  resourceKey,
  sdkOf,
  sentryResource,
  spanId,
  traceId,
  type ServiceFields,
} from './payload.js';
import { ItemError, type ItemMapper } from './types.js';

/** Sentry's log levels and the OTel severity number each is (the SDKs' own table). */
const SEVERITY_NUMBER: Record<string, number> = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 };

/** Attributes that describe the service rather than the log: they go to the resource. */
const RESOURCE_ATTRIBUTES: Record<string, keyof ServiceFields> = {
  'sentry.release': 'release',
  'sentry.environment': 'environment',
  'sentry.sdk.name': 'sdkName',
  'sentry.sdk.version': 'sdkVersion',
};

/** Where JavaScript SDKs put the id of the span a log was written in. */
const PARENT_SPAN_ID = 'sentry.trace.parent_span_id';

const INT64 = /^-?\d{1,19}$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function int64(v: unknown, path: string): bigint {
  // Relay also takes integers as decimal text: JSON numbers lose digits beyond 2^53
  const n = typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : typeof v === 'string' && INT64.test(v) ? BigInt(v) : undefined;
  if (n === undefined || n < INT64_MIN || n > INT64_MAX) throw expected(path, 'an integer (int64, as a number or decimal text)', v);
  return n;
}

/** `{value, type}` → an AnyValue of that type. An unknown type is kept as its JSON value. */
function typedValue(raw: unknown, path: string): AnyValue {
  const a = Fields.of(raw, path);
  const type = a.str('type');
  const value = a.raw('value');
  const valuePath = a.at('value');
  switch (type) {
    case 'string':
      if (typeof value !== 'string') throw expected(valuePath, 'a string (type string)', value);
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw expected(valuePath, 'a boolean (type boolean)', value);
      return value;
    case 'integer':
      return int64(value, valuePath);
    case 'double':
      if (typeof value !== 'number') throw expected(valuePath, 'a number (type double)', value);
      return value;
    default:
      return jsonToAnyValue(value, valuePath);
  }
}

interface MappedLog {
  record: LogRecord;
  service: ServiceFields;
}

function mapLog(raw: unknown, path: string, observedNs: bigint, envelopeSdk: ServiceFields): MappedLog {
  const f = Fields.of(raw, path);
  const level = f.str('level');
  const severityNumber = f.has('severity_number') ? f.count('severity_number', 24) : level === undefined ? undefined : (SEVERITY_NUMBER[level] ?? 0);
  if (severityNumber === undefined) throw f.missing('level', 'a log level');
  const body = f.str('body');
  if (body === undefined) throw f.missing('body', 'a string');

  const service: ServiceFields = { ...envelopeSdk };
  const attributes: Attributes = new Map();
  let parentSpanId = f.has('span_id') ? spanId(f.raw('span_id'), f.at('span_id')) : '';
  const attrs = f.object('attributes');
  for (const key of Object.keys(attrs?.obj ?? {})) {
    const value = attrs!.raw(key);
    if (value === undefined) continue;
    const v = typedValue(value, attrs!.at(key));
    const serviceField = RESOURCE_ATTRIBUTES[key];
    if (serviceField !== undefined && typeof v === 'string') service[serviceField] = v;
    else if (key === PARENT_SPAN_ID && parentSpanId === '') parentSpanId = spanId(v, attrs!.at(key));
    else attributes.set(key, v);
  }

  const record = newLogRecord({
    timeUnixNano: f.reqTime('timestamp'),
    observedTimeUnixNano: observedNs,
    severityNumber,
    severityText: level ?? '',
    body,
    attributes,
    traceId: f.has('trace_id') ? traceId(f.raw('trace_id'), f.at('trace_id')) : '',
    spanId: parentSpanId,
  });
  return { record, service };
}

export const mapLogs: ItemMapper = (payload, ctx) => {
  const container = Fields.of(payload, '');
  const items = container.arr('items');
  if (items === undefined) throw new ItemError('items', 'missing: a log container holds its logs in `items`');
  // Relay stamps the time it received a log as the observed time
  const observedNs = BigInt(ctx.receivedAtMs) * 1_000_000n;
  const envelopeSdk = sdkOf(undefined, ctx);

  const byResource = new Map<string, ResourceLogs>();
  items.forEach((raw, i) => {
    const { record, service } = mapLog(raw, fieldPath('items', i), observedNs, envelopeSdk);
    const key = resourceKey(service);
    let rl = byResource.get(key);
    if (!rl) {
      rl = { resource: sentryResource(ctx, service), schemaUrl: '', scopeLogs: [{ scope: newScope(), schemaUrl: '', logRecords: [] }] };
      byResource.set(key, rl);
    }
    rl.scopeLogs[0].logRecords.push(record);
  });
  return byResource.size === 0 ? {} : { logs: { resourceLogs: [...byResource.values()] } };
};
