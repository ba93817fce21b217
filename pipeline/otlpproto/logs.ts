/** Logs: opentelemetry.proto.logs.v1 LogRecord. */
import type { DecodeLimits } from '../decode-limits.js';
import type { AnyValue, Attributes, LogRecord, Logs, ResourceLogs, ScopeLogs } from '../model.js';
import {
  decodeEnvelope,
  encodeEnvelope,
  readAnyValue,
  readKeyValue,
  writeAnyValue,
  writeAttributes,
  writeFixed32Field,
  writeFixed64Field,
  writeInt32Field,
  writeStringField,
  writeUint32Field,
  type Envelope,
} from './common.js';
import { I32, I64, LEN, Reader, VARINT } from './reader.js';
import type { Writer } from './writer.js';

/**
 * LogRecord { time_unix_nano = 1 fixed64, severity_number = 2, severity_text = 3, body = 5,
 * attributes = 6, dropped_attributes_count = 7, flags = 8 fixed32, trace_id = 9,
 * span_id = 10, observed_time_unix_nano = 11 fixed64, event_name = 12 } (4 is reserved)
 */
function readLogRecord(r: Reader, end: number): LogRecord {
  let timeUnixNano = 0n;
  let observedTimeUnixNano = 0n;
  let severityNumber = 0;
  let severityText = '';
  let body: AnyValue = null;
  const attributes: Attributes = new Map();
  let droppedAttributesCount = 0;
  let flags = 0;
  let traceId = '';
  let spanId = '';
  let eventName = '';
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case (1 << 3) | I64:
        timeUnixNano = r.fixed64();
        break;
      case (2 << 3) | VARINT:
        severityNumber = r.int32();
        break;
      case (3 << 3) | LEN:
        severityText = r.name(end);
        break;
      case (5 << 3) | LEN:
        body = readAnyValue(r, r.end(end), 0);
        break;
      case (6 << 3) | LEN:
        readKeyValue(r, r.end(end), attributes);
        break;
      case (7 << 3) | VARINT:
        droppedAttributesCount = r.uint32();
        break;
      case (8 << 3) | I32:
        flags = r.fixed32();
        break;
      case (9 << 3) | LEN:
        traceId = r.traceId(end);
        break;
      case (10 << 3) | LEN:
        spanId = r.spanId(end);
        break;
      case (11 << 3) | I64:
        observedTimeUnixNano = r.fixed64();
        break;
      case (12 << 3) | LEN:
        eventName = r.name(end);
        break;
      default:
        r.skip(tag, end);
    }
  }
  r.done(end);
  return {
    timeUnixNano,
    observedTimeUnixNano,
    severityNumber,
    severityText,
    body,
    attributes,
    droppedAttributesCount,
    flags,
    traceId,
    spanId,
    eventName,
  };
}

function writeLogRecord(w: Writer, l: LogRecord): void {
  writeFixed64Field(w, 1, l.timeUnixNano);
  writeInt32Field(w, 2, l.severityNumber);
  writeStringField(w, 3, l.severityText);
  if (l.body !== null) {
    w.uint32((5 << 3) | LEN);
    const at = w.open();
    writeAnyValue(w, l.body, 0);
    w.close(at);
  }
  writeAttributes(w, 6, l.attributes);
  writeUint32Field(w, 7, l.droppedAttributesCount);
  writeFixed32Field(w, 8, l.flags);
  w.id((9 << 3) | LEN, l.traceId, 16, 'trace id');
  w.id((10 << 3) | LEN, l.spanId, 8, 'span id');
  writeFixed64Field(w, 11, l.observedTimeUnixNano);
  writeStringField(w, 12, l.eventName);
}

const LOGS: Envelope<Logs, ResourceLogs, ScopeLogs, LogRecord> = {
  readItem: readLogRecord,
  writeItem: writeLogRecord,
  data: (resourceLogs) => ({ resourceLogs }),
  resourceGroup: (resource, schemaUrl, scopeLogs) => ({ resource, schemaUrl, scopeLogs }),
  scopeGroup: (scope, schemaUrl, logRecords) => ({ scope, schemaUrl, logRecords }),
  resourcesOf: (d) => d.resourceLogs,
  scopesOf: (g) => g.scopeLogs,
  itemsOf: (g) => g.logRecords,
};

/** ExportLogsServiceRequest (or LogsData: same wire format) bytes to the model. */
export function decodeLogs(buf: Uint8Array, limits?: DecodeLimits): Logs {
  return decodeEnvelope(LOGS, buf, limits);
}

/** The model as ExportLogsServiceRequest bytes. */
export function encodeLogs(data: Logs): Uint8Array {
  return encodeEnvelope(LOGS, data);
}
