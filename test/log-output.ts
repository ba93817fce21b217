/** Reads what a `file` exporter wrote (OTLP/JSON lines) back as log records, for the log receivers' tests. */
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
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
  return readFileSync(file, 'utf8').split('\n').flatMap(recordsOfLine);
}

/** The records of one line of a file exporter's output; none for a line still being written. */
function recordsOfLine(raw: string): ReadRecord[] {
  // a process killed mid-write leaves a torn line, and the next run appends right after it
  const line = raw.slice(Math.max(0, raw.lastIndexOf('{"resourceLogs"')));
  if (line.trim() === '') return [];
  let logs;
  try {
    logs = decodeSignal('logs', JSON.parse(line));
  } catch {
    return []; // a line the exporter is still writing
  }
  const out: ReadRecord[] = [];
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
  return out;
}

/**
 * Body counts of a growing output file, read incrementally: each poll decodes only the lines
 * completed since the last one, so waiting on a million records does not re-read the file.
 */
export class GrowingOutput {
  readonly counts = new Map<string, number>();
  records = 0;
  /** Bytes of the file read so far. */
  offset = 0;
  private rest = '';

  constructor(private readonly file: string) {}

  poll(): number {
    if (!existsSync(this.file)) return this.records;
    const fd = openSync(this.file, 'r');
    try {
      const chunk = Buffer.alloc(8 * 1024 * 1024);
      for (let n; (n = readSync(fd, chunk, 0, chunk.length, this.offset)) > 0; ) {
        this.offset += n;
        const lines = (this.rest + chunk.toString('utf8', 0, n)).split('\n');
        this.rest = lines.pop()!;
        for (const r of lines.flatMap(recordsOfLine)) {
          this.records++;
          this.counts.set(String(r.body), (this.counts.get(String(r.body)) ?? 0) + 1);
        }
      }
    } finally {
      closeSync(fd);
    }
    return this.records;
  }
}

/** How often each body occurs. */
export function bodyCounts(records: { body: unknown }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of records) counts.set(String(r.body), (counts.get(String(r.body)) ?? 0) + 1);
  return counts;
}
