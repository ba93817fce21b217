/**
 * One authenticated envelope → telemetry, without HTTP: the project's rate limits drop the
 * items they refuse, Relay's size limits refuse the envelope, and each remaining item goes to
 * its type's mapper (or is taken and not stored). Mapping errors name the item and the field.
 */
import type { Signal, SignalData } from '../../pipeline/model.js';
import { SIGNALS } from '../../pipeline/model.js';
import { Refusal } from './answers.js';
import type { Envelope, EnvelopeItem } from './envelope.js';
import { ItemError, type ItemMapper, type MappedItem } from './items/types.js';
import { newEventId } from './items/values.js';
import { JsonPayloadError, type JsonBudget } from './json.js';
import { checkSizeLimits } from './limits.js';
import type { Project } from './projects.js';
import type { RateLimitHit } from './rate-limits.js';
import type { SentryCounters } from './telemetry.js';

/** Item types whose envelope must carry an event id (Relay makes one up when the header has none). */
const REQUIRES_EVENT = new Set(['event', 'transaction', 'security', 'raw_security', 'nel', 'feedback', 'attachment', 'form_data', 'unreal_report', 'user_report']);

export interface IntakeOptions {
  maxEventSize: number;
  mappers: ReadonlyMap<string, ItemMapper>;
  /** Signals the receiver has a next consumer for; telemetry of others is not stored. */
  wired: ReadonlySet<Signal>;
  counters: SentryCounters;
}

export interface RequestContext {
  receivedAtMs: number;
  clientAddress?: string;
}

export interface IntakeResult {
  /** What the answer's `id` is: the envelope's event id, made up if its items need one. */
  eventId?: string;
  /** Rate limits that dropped items. */
  hits: RateLimitHit[];
  /** The telemetry of the kept items, per signal, one part per item. */
  parts: { [S in Signal]: SignalData[S][] };
  /** Item types of what `parts` holds, to count once delivery succeeded or failed. */
  stored: string[];
}

/** An item's JSON, parsed once by whoever needed it first (the store endpoint parses its event). */
export type ParsedItem = EnvelopeItem & { json?: unknown };

export function processEnvelope(envelope: Envelope & { items: ParsedItem[] }, project: Project, req: RequestContext, budget: JsonBudget, opts: IntakeOptions): IntakeResult {
  const eventId = envelope.eventId ?? (envelope.items.some((i) => REQUIRES_EVENT.has(i.type)) ? newEventId() : undefined);
  const header = eventId === undefined ? envelope.header : { ...envelope.header, event_id: eventId };
  const hits: RateLimitHit[] = [];
  const kept = envelope.items.filter((item) => {
    const quantity = typeof item.header.item_count === 'number' && item.header.item_count > 0 ? item.header.item_count : 1;
    const refused = project.limiter.admit(item.type, quantity, req.receivedAtMs);
    if (refused.length) {
      hits.push(...refused);
      opts.counters.refused(item.type, 'rate_limited');
    }
    return refused.length === 0;
  });
  if (kept.length === 0 && hits.length) return { eventId, hits, parts: emptyParts(), stored: [] };
  try {
    checkSizeLimits(kept, opts.maxEventSize);
  } catch (err) {
    for (const item of kept) opts.counters.refused(item.type, 'too_large');
    throw err;
  }
  const parts = emptyParts();
  const stored: string[] = [];
  for (const item of kept) {
    const mapper = opts.mappers.get(item.type);
    if (!mapper) {
      opts.counters.accepted(item.type, false);
      continue;
    }
    const mapped = mapItem(mapper, item, { projectId: project.id, projectName: project.name, receivedAtMs: req.receivedAtMs, envelopeHeader: header, itemHeader: item.header, clientAddress: req.clientAddress }, budget, opts);
    if (!mapped) continue;
    if (mapped.outcomes) opts.counters.clientDiscarded(mapped.outcomes);
    const signals = SIGNALS.filter((s) => mapped[s] !== undefined);
    const wired = signals.filter((s) => opts.wired.has(s));
    for (const s of wired) (parts[s] as SignalData[typeof s][]).push(mapped[s] as never);
    if (wired.length) stored.push(item.type);
    else opts.counters.accepted(item.type, false);
  }
  return { eventId, hits, parts, stored };
}

/**
 * The item's telemetry. A malformed event is the request's failure (400 naming the field, so the
 * SDK's developer sees why); any other malformed item is dropped and counted as Relay drops it,
 * so that a bad session update does not cost the error sent with it.
 */
function mapItem(mapper: ItemMapper, item: ParsedItem, ctx: Parameters<ItemMapper>[1], budget: JsonBudget, opts: IntakeOptions): MappedItem | undefined {
  const what = `item ${item.index} (${item.type})`;
  try {
    return mapper(item.json !== undefined ? item.json : budget.parse(item.payload), ctx);
  } catch (err) {
    if (err instanceof ItemError || err instanceof JsonPayloadError) {
      opts.counters.refused(item.type, 'invalid');
      if (item.type !== 'event') return undefined;
      throw new Refusal(400, 'invalid event envelope', [`${what}: ${err.message}`]);
    }
    throw err;
  }
}

function emptyParts(): IntakeResult['parts'] {
  return { traces: [], metrics: [], logs: [] };
}
