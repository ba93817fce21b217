/** An alert as the notification pipeline handles it: Alertmanager's model. */
import { createHash } from 'node:crypto';
import type { Labels } from './matchers.js';

export interface Alert {
  /** Hash of the labels: the alert's identity. */
  fingerprint: string;
  labels: Labels;
  annotations: Record<string, string>;
  /** ms since the epoch. */
  startsAt: number;
  /** Set once resolved. */
  endsAt?: number;
  /** The value that made it fire (the window function's result, or the event count). */
  value?: number;
  /** Its values at each evaluation while pending, before it fired (for the post-mortem; not sent to receivers). */
  pendingValues?: { at: number; value: number }[];
  generatorURL?: string;
}

export function fingerprintOf(labels: Labels): string {
  const h = createHash('sha256');
  for (const k of Object.keys(labels).sort()) h.update(`${k}\u0000${labels[k]}\u0001`);
  return h.digest('hex').slice(0, 16);
}

export function isResolved(a: Alert, now: number): boolean {
  return a.endsAt !== undefined && a.endsAt <= now;
}
