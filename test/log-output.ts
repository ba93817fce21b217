/** Reads what a `file` exporter wrote (OTLP/JSON lines) back as log records, for the log receivers' tests. */
import { existsSync, readFileSync } from 'node:fs';
import { fromAnyValue } from '../pipeline/model-ops.js';
import { decodeSignal } from '../pipeline/otlpjson/index.js';

export interface ReadRecord {
  body: unknown;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  timeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
}

export function readLogRecords(file: string): ReadRecord[] {
  if (!existsSync(file)) return [];
  const out: ReadRecord[] = [];
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    // a process killed mid-write leaves a torn line, and the next run appends right after it
    const line = raw.slice(Math.max(0, raw.lastIndexOf('{"resourceLogs"')));
    if (line.trim() === '') continue;
    let logs;
    try {
      logs = decodeSignal('logs', JSON.parse(line));
    } catch {
      continue; // a line the exporter is still writing
    }
    for (const rl of logs.resourceLogs) {
      const resource = Object.fromEntries([...rl.resource.attributes].map(([k, v]) => [k, fromAnyValue(v)]));
      for (const sl of rl.scopeLogs)
        for (const r of sl.logRecords)
          out.push({
            body: fromAnyValue(r.body),
            attributes: Object.fromEntries([...r.attributes].map(([k, v]) => [k, fromAnyValue(v)])),
            resource,
            timeUnixNano: r.timeUnixNano,
            severityNumber: r.severityNumber,
            severityText: r.severityText,
          });
    }
  }
  return out;
}

/** How often each body occurs. */
export function bodyCounts(records: { body: unknown }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of records) counts.set(String(r.body), (counts.get(String(r.body)) ?? 0) + 1);
  return counts;
}
