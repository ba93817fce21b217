/**
 * What the `sentry` receiver hands an envelope item's mapper, and what a mapper gives back.
 * One mapper per item type (`event`, `transaction`, `log`, `session`, `sessions`,
 * `client_report`); the receiver parses the item's JSON, calls the mapper, and passes the
 * telemetry on. A mapper is a pure function: it throws an `ItemError` for a payload it cannot
 * map (the receiver answers 400 naming the item), and never sees HTTP.
 */
import type { Logs, Metrics, Traces } from '../../../pipeline/model.js';

export interface ItemContext {
  /** The project the envelope was authenticated for (its numeric id as text, and its name/slug). */
  projectId: string;
  projectName: string;
  /** When the receiver got the envelope (ms since the epoch): the time of items that carry none. */
  receivedAtMs: number;
  /** The envelope header (`event_id`, `dsn`, `sdk`, `sent_at`, `trace` ...), parsed. */
  envelopeHeader: Readonly<Record<string, unknown>>;
  /** The item header (`type`, `length`, `content_type`, `item_count` ...), parsed. */
  itemHeader: Readonly<Record<string, unknown>>;
  /** The client's address as the receiver saw it (for `{{auto}}` user IPs), when known. */
  clientAddress?: string;
}

/** One of a client report's counts: what an SDK dropped, why, and how much of it. */
export interface ClientOutcome {
  reason: string;
  category: string;
  quantity: number;
}

/** The telemetry an item becomes; any part may be absent. */
export interface MappedItem {
  traces?: Traces;
  logs?: Logs;
  metrics?: Metrics;
  /** client_report items: counted in the receiver's self-telemetry, not passed on. */
  outcomes?: ClientOutcome[];
}

export type ItemMapper = (payload: unknown, ctx: ItemContext) => MappedItem;

/** A payload an item mapper cannot map: `path` names the field (e.g. `spans[3].start_timestamp`). */
export class ItemError extends Error {
  constructor(readonly path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'ItemError';
  }
}
