/** Upstream's `recombine` operator: consecutive entries of one source joined into one (multiline records after parsing). */
import { parseDuration } from '../duration.js';
import type { Entry, EntrySource } from './entry.js';
import { compileExpr } from './expr.js';
import { getField, parseField, setField } from './field.js';
import type { OperatorBuilder } from './operator-types.js';
import { FifoMap } from '../fifo-map.js';

interface Batch {
  entries: Entry[];
  lastAdd: number;
  bytes: number;
}

export const buildRecombine: OperatorBuilder = (c) => {
  if (typeof c.combine_field !== 'string') throw new Error('missing required field "combine_field"');
  if ((c.is_first_entry === undefined) === (c.is_last_entry === undefined)) throw new Error('exactly one of "is_first_entry" or "is_last_entry" must be set');
  const combineField = parseField(c.combine_field);
  const isFirst = typeof c.is_first_entry === 'string' ? compileExpr(c.is_first_entry) : undefined;
  const isLast = typeof c.is_last_entry === 'string' ? compileExpr(c.is_last_entry) : undefined;
  const combineWith = typeof c.combine_with === 'string' ? c.combine_with : '\n';
  const source = parseField(typeof c.source_identifier === 'string' ? c.source_identifier : 'attributes["log.file.path"]');
  const maxBatch = typeof c.max_batch_size === 'number' ? c.max_batch_size : 1000;
  const maxLogSize = typeof c.max_log_size === 'number' ? c.max_log_size : 0;
  const maxSources = typeof c.max_sources === 'number' ? c.max_sources : 1000;
  const flushMs = parseDuration(typeof c.force_flush_period === 'string' ? c.force_flush_period : '100ms');
  const newest = c.overwrite_with === 'newest';
  const batches = new FifoMap<string, Batch>();

  const combined = (b: Batch): Entry => {
    const base = newest ? b.entries[b.entries.length - 1] : b.entries[0];
    const parts = b.entries.map((e) => getField(e, combineField)).filter((v) => v !== undefined).map(String);
    setField(base, combineField, parts.join(combineWith));
    const first = b.entries[0].source;
    const last = b.entries[b.entries.length - 1].source;
    if (first && last) base.source = { key: first.key, start: first.start, end: last.end };
    return base;
  };
  const release = (key: string, send: (e: Entry) => void) => {
    const b = batches.get(key);
    batches.delete(key);
    if (b && b.entries.length > 0) send(combined(b));
  };

  return {
    process(e, send) {
      const key = String(getField(e, source) ?? 'DefaultSourceIdentifier');
      if (isFirst?.(e)) release(key, send);
      let b = batches.get(key);
      if (!b) {
        if (batches.size >= maxSources) release(batches.oldest()!, send);
        b = { entries: [], lastAdd: 0, bytes: 0 };
        batches.set(key, b);
      }
      b.entries.push(e);
      b.lastAdd = Date.now();
      b.bytes += String(getField(e, combineField) ?? '').length;
      if (isLast?.(e) || b.entries.length >= maxBatch || (maxLogSize > 0 && b.bytes >= maxLogSize)) release(key, send);
    },
    flushStale(send) {
      const now = Date.now();
      for (const [key, b] of [...batches]) if (now - b.lastAdd >= flushMs) release(key, send);
    },
    held(): EntrySource[] {
      return [...batches.values()].flatMap((b) => (b.entries[0]?.source ? [b.entries[0].source] : []));
    },
  };
};
