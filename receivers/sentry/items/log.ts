/**
 * `log` items → log records. A `log` item is a container (`{version, items: [...]}`, content type
 * `application/vnd.sentry.items.log+json`) of Sentry logs; each becomes one log record, its typed
 * attributes kept with their types. The attributes the SDK stamps on every log — release,
 * environment, SDK — describe the service, so they go to the resource (one per distinct set).
 */
import { newLogRecord } from '../../../pipeline/builders.js';
import type { LogRecord } from '../../../pipeline/model.js';
import { ByService, Fields, fieldPath, idAt, sdkOf, sentryResource, spanId, traceId, typedAttributes, type ServiceFields, sentryScope } from './payload.js';
import { ItemError, type ItemMapper } from './types.js';

/** Sentry's log levels and the OTel severity number each is (the SDKs' own table). */
const SEVERITY_NUMBER: Record<string, number> = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 };

/** Where JavaScript SDKs put the id of the span a log was written in. */
const PARENT_SPAN_ID = 'sentry.trace.parent_span_id';

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
  const attributes = typedAttributes(f.object('attributes'), service);
  let parentSpanId = idAt(f, 'span_id', spanId, '');
  const parentAttribute = attributes.get(PARENT_SPAN_ID);
  if (parentAttribute !== undefined) {
    if (parentSpanId === '') parentSpanId = spanId(parentAttribute, fieldPath(f.at('attributes'), PARENT_SPAN_ID));
    attributes.delete(PARENT_SPAN_ID);
  }

  const record = newLogRecord({
    timeUnixNano: f.reqTime('timestamp'),
    observedTimeUnixNano: observedNs,
    severityNumber,
    severityText: level ?? '',
    body,
    attributes,
    traceId: idAt(f, 'trace_id', traceId, ''),
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

  const byService = new ByService<LogRecord>();
  items.forEach((raw, i) => {
    const { record, service } = mapLog(raw, fieldPath('items', i), observedNs, envelopeSdk);
    byService.add(service, record);
  });
  if (byService.size === 0) return {};
  const resourceLogs = byService.map((service, logRecords) => ({
    resource: sentryResource(ctx, service),
    schemaUrl: '',
    scopeLogs: [{ scope: sentryScope(), schemaUrl: '', logRecords }],
  }));
  return { logs: { resourceLogs } };
};
