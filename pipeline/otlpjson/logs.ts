import type { DecodeLimits } from '../decode-limits.js';
import type { LogRecord, Logs } from '../model.js';
import { decodeAnyValue, decodeAttributes, decodeEnvelope, encodeAnyValue, encodeAttributes, encodeEnvelope, type Envelope } from './common.js';
import { Msg, SPAN_ID, STRING, TRACE_ID, UINT32, UINT64, enumOf } from './reader.js';
import { int, str, u64 } from './writer.js';

const SEVERITY_NUMBER = enumOf([
  'SEVERITY_NUMBER_UNSPECIFIED',
  ...['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].flatMap((level) =>
    ['', '2', '3', '4'].map((n) => `SEVERITY_NUMBER_${level}${n}`),
  ),
]);

function decodeLogRecord(m: Msg): LogRecord {
  return {
    timeUnixNano: m.get('timeUnixNano', UINT64),
    observedTimeUnixNano: m.get('observedTimeUnixNano', UINT64),
    severityNumber: m.get('severityNumber', SEVERITY_NUMBER),
    severityText: m.get('severityText', STRING),
    body: decodeAnyValue(m.message('body')),
    attributes: decodeAttributes(m),
    droppedAttributesCount: m.get('droppedAttributesCount', UINT32),
    flags: m.get('flags', UINT32),
    traceId: m.get('traceId', TRACE_ID),
    spanId: m.get('spanId', SPAN_ID),
    eventName: m.get('eventName', STRING),
  };
}

function encodeLogRecord(r: LogRecord): object {
  return {
    timeUnixNano: u64(r.timeUnixNano),
    observedTimeUnixNano: u64(r.observedTimeUnixNano),
    severityNumber: int(r.severityNumber),
    severityText: str(r.severityText),
    body: r.body === null ? undefined : encodeAnyValue(r.body),
    attributes: encodeAttributes(r.attributes),
    droppedAttributesCount: int(r.droppedAttributesCount),
    flags: int(r.flags),
    traceId: str(r.traceId),
    spanId: str(r.spanId),
    eventName: str(r.eventName),
  };
}

const LOGS: Envelope<LogRecord> = {
  resources: 'resourceLogs',
  scopes: 'scopeLogs',
  items: 'logRecords',
  decodeItem: decodeLogRecord,
  encodeItem: encodeLogRecord,
};

/** An ExportLogsServiceRequest as a JSON-ready object. */
export function encodeLogs(data: Logs): object {
  return encodeEnvelope(LOGS, data);
}

/** Parsed JSON (an ExportLogsServiceRequest or LogsData) to the model; throws OtlpJsonError. */
export function decodeLogs(json: unknown, limits?: DecodeLimits): Logs {
  return decodeEnvelope(LOGS, json, limits) as Logs;
}
