/**
 * Reading a webhook's parsed JSON without trusting its shape: each accessor names the field it
 * wanted when the payload lacks it, so a bad delivery is answered with what was wrong.
 */
import { WebhookError } from './webhook-server.js';

export type Json = Record<string, unknown>;

/** The JSON object in a delivery body, or a WebhookError saying why not. */
export function parsePayload(body: Buffer, sender: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new WebhookError(`${sender} delivery is not JSON: ${(err as Error).message}`);
  }
  if (!isObject(value)) throw new WebhookError(`${sender} delivery is not a JSON object`);
  return value;
}

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A nested object that must be there. */
export function objectAt(o: Json, key: string, where: string): Json {
  const v = o[key];
  if (!isObject(v)) throw new WebhookError(`${where}.${key} is missing or not an object`);
  return v;
}

/** A nested object that may be absent (then an empty one). */
export function optObject(o: Json | undefined, key: string): Json {
  const v = o?.[key];
  return isObject(v) ? v : {};
}

/** A string, or '' when absent or null. */
export function str(o: Json | undefined, key: string): string {
  const v = o?.[key];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

/** An integer id that must be there. */
export function idAt(o: Json, key: string, where: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new WebhookError(`${where}.${key} is missing or not an integer`);
  return v;
}

/** An integer, or `fallback` when absent. */
export function int(o: Json | undefined, key: string, fallback = 0): number {
  const v = o?.[key];
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : fallback;
}

/**
 * Unix nanoseconds of a timestamp field: ISO 8601 (GitHub), GitLab's `2025-04-01 18:31:49 UTC`,
 * or Unix seconds (GitHub's push `pushed_at`); 0n when absent or unreadable.
 */
export function timeNanos(o: Json | undefined, key: string): bigint {
  const v = o?.[key];
  if (typeof v === 'number' && Number.isFinite(v)) return BigInt(Math.round(v * 1000)) * 1_000_000n;
  if (typeof v !== 'string' || v === '') return 0n;
  if (v.endsWith('Z')) {
    // GitHub's ISO 8601 in UTC, the common case
    const ms = Date.parse(v);
    if (!Number.isNaN(ms)) return BigInt(ms) * 1_000_000n;
  }
  const gitlab = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?) (UTC|[+-]\d{4})$/.exec(v);
  const text = gitlab ? `${gitlab[1]}T${gitlab[2]}${gitlab[3] === 'UTC' ? 'Z' : gitlab[3]}` : v;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? 0n : BigInt(ms) * 1_000_000n;
}

/** Upstream's rule for GitHub's occasionally reversed times: an end before the start becomes the start. */
export function orderedTimes(start: bigint, end: bigint): [bigint, bigint] {
  return end < start ? [start, start] : [start, end];
}
