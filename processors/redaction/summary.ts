import type { Attributes } from '../../pipeline/model.js';
import type { Summary } from './config.js';

/** What one attribute map (or one log body) lost: key names, or paths inside a body. */
export interface ChangeLog {
  redacted: string[] | undefined;
  masked: string[] | undefined;
  allowed: string[] | undefined;
  ignored: number;
}

export const newChangeLog = (): ChangeLog => ({ redacted: undefined, masked: undefined, allowed: undefined, ignored: 0 });

export function resetChangeLog(log: ChangeLog): void {
  log.redacted = log.masked = log.allowed = undefined;
  log.ignored = 0;
}

/**
 * Upstream's summary attributes (`redaction.redacted.keys` / `.count`, `masked`, `allowed`,
 * `ignored.count`; `redaction.body.*` for a log body): names sorted and joined with commas, both
 * merged into what an earlier redaction processor wrote.
 */
export function writeSummary(level: Summary, attrs: Attributes, log: ChangeLog, prefix: 'redaction.' | 'redaction.body.'): void {
  if (level === 'silent') return;
  put(level, attrs, log.redacted, `${prefix}redacted.keys`, `${prefix}redacted.count`);
  put(level, attrs, log.masked, `${prefix}masked.keys`, `${prefix}masked.count`);
  put(level, attrs, log.allowed, `${prefix}allowed.keys`, `${prefix}allowed.count`);
  if (log.ignored > 0) putCount(attrs, `${prefix}ignored.count`, log.ignored);
}

function put(level: Summary, attrs: Attributes, keys: string[] | undefined, keysAttr: string, countAttr: string): void {
  if (!keys?.length) return;
  if (level === 'debug') {
    const existing = attrs.get(keysAttr);
    const all = typeof existing === 'string' && existing !== '' ? [...keys, ...existing.split(',')] : keys;
    attrs.set(keysAttr, all.sort().join(','));
  }
  putCount(attrs, countAttr, keys.length);
}

function putCount(attrs: Attributes, countAttr: string, n: number): void {
  const existing = attrs.get(countAttr);
  attrs.set(countAttr, BigInt(n) + (typeof existing === 'bigint' ? existing : 0n));
}
