/**
 * The log entry that stanza-style operators (filelog, syslog) work on, as upstream's
 * pkg/stanza/entry: plain JS values while operators parse and move fields, converted to the
 * OTLP model once when a batch leaves the receiver.
 */
import type { Attributes, LogRecord, Logs, ResourceLogs, ScopeLogs } from '../model.js';
import { toAnyValue } from '../model-ops.js';

export type Fields = Record<string, unknown>;

/** Where an entry was read from, so a receiver commits an offset only once the entry was accepted. */
export interface EntrySource {
  /** The reader's key (a file's identity). */
  key: string;
  /** Byte offset where the entry's text starts and ends in its file. */
  start: number;
  end: number;
}

export interface Entry {
  body: unknown;
  attributes: Fields;
  resource: Fields;
  /** Nanoseconds since the epoch; 0n when unknown. */
  timestamp: bigint;
  observedTimestamp: bigint;
  severity: number;
  severityText: string;
  traceId: string;
  spanId: string;
  traceFlags: number;
  /** The instrumentation scope's name (scope_name_parser); the receiver's default when unset. */
  scopeName?: string;
  source?: EntrySource;
}

export function newEntry(body: unknown, observedTimestamp = BigInt(Date.now()) * 1_000_000n): Entry {
  return { body, attributes: {}, resource: {}, timestamp: 0n, observedTimestamp, severity: 0, severityText: '', traceId: '', spanId: '', traceFlags: 0 };
}

function isEmpty(o: Fields): boolean {
  for (const _ in o) return false;
  return true;
}

function attributesOf(fields: Fields): Attributes {
  const out: Attributes = new Map();
  for (const k in fields) out.set(k, toAnyValue(fields[k]));
  return out;
}

function scopeLogsOf(rl: ResourceLogs, name: string): ScopeLogs {
  let sl = rl.scopeLogs.find((s) => s.scope.name === name);
  if (!sl) {
    sl = { scope: { name, version: '', attributes: new Map(), droppedAttributesCount: 0 }, schemaUrl: '', logRecords: [] };
    rl.scopeLogs.push(sl);
  }
  return sl;
}

/** Entries grouped by resource (and scope name) into one OTLP logs batch, in order. */
export function entriesToLogs(entries: Entry[], scopeName = ''): Logs {
  const byResource = new Map<string, ResourceLogs>();
  for (const e of entries) {
    const key = isEmpty(e.resource) ? '' : JSON.stringify(e.resource, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    let rl = byResource.get(key);
    if (!rl) {
      rl = { resource: { attributes: attributesOf(e.resource), droppedAttributesCount: 0 }, schemaUrl: '', scopeLogs: [] };
      byResource.set(key, rl);
    }
    // a literal rather than newLogRecord(): this runs once per line read, and the spread costs
    const record: LogRecord = {
      timeUnixNano: e.timestamp,
      observedTimeUnixNano: e.observedTimestamp,
      severityNumber: e.severity,
      severityText: e.severityText,
      body: toAnyValue(e.body),
      attributes: attributesOf(e.attributes),
      droppedAttributesCount: 0,
      flags: e.traceFlags,
      traceId: e.traceId,
      spanId: e.spanId,
      eventName: '',
    };
    scopeLogsOf(rl, e.scopeName ?? scopeName).logRecords.push(record);
  }
  return { resourceLogs: [...byResource.values()] };
}
