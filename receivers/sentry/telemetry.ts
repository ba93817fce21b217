/**
 * The receiver's own counts by envelope item type, beside the pipeline's
 * `otelcol_receiver_accepted_*` (which count the records the items became): how many items of
 * each type were taken (stored, or taken and not stored because no mapper or no pipeline
 * handles them), refused and why, and what SDKs report in client reports they dropped.
 */
import type { SelfTelemetry } from '../../pipeline/telemetry.js';
import type { ClientOutcome } from './items/types.js';

/** Item types with a label of their own; others (a hostile sender's inventions) count as `unknown`. */
const KNOWN_TYPES = new Set([
  'event', 'transaction', 'security', 'raw_security', 'nel', 'feedback', 'user_report', 'attachment', 'form_data', 'session', 'sessions',
  'client_report', 'log', 'otel_log', 'span', 'otel_span', 'replay_event', 'replay_recording', 'replay_video', 'profile', 'profile_chunk',
  'check_in', 'statsd', 'metric_buckets', 'unreal_report', 'trace_metric',
]);

export type RefusalReason = 'rate_limited' | 'too_large' | 'invalid' | 'pipeline';

export class SentryCounters {
  constructor(
    private readonly telemetry: SelfTelemetry,
    private readonly receiver: string,
  ) {}

  accepted(itemType: string, stored: boolean, n = 1): void {
    this.telemetry
      .counter('otelcol_receiver_accepted_sentry_items_total', 'Sentry envelope items the receiver took, by type; stored="false" for types Summit keeps nothing of.', [
        'receiver',
        'transport',
        'item_type',
        'stored',
      ])
      .inc({ receiver: this.receiver, transport: 'http', item_type: typeLabel(itemType), stored: String(stored) }, n);
  }

  refused(itemType: string, reason: RefusalReason, n = 1): void {
    this.telemetry
      .counter('otelcol_receiver_refused_sentry_items_total', 'Sentry envelope items the receiver refused, by type and reason.', ['receiver', 'transport', 'item_type', 'reason'])
      .inc({ receiver: this.receiver, transport: 'http', item_type: typeLabel(itemType), reason }, n);
  }

  /** What SDKs say they dropped themselves (client_report items). */
  clientDiscarded(outcomes: ClientOutcome[]): void {
    const counter = this.telemetry.counter('otelcol_receiver_sentry_client_discarded_total', 'What Sentry SDKs report they dropped before sending, by reason and category.', [
      'receiver',
      'reason',
      'category',
    ]);
    // reasons and categories are the SDK's words: bound them like item types
    for (const o of outcomes) counter.inc({ receiver: this.receiver, reason: word(o.reason), category: word(o.category) }, o.quantity);
  }
}

function typeLabel(itemType: string): string {
  return KNOWN_TYPES.has(itemType) ? itemType : 'unknown';
}

function word(s: string): string {
  return /^[a-z_]{1,32}$/.test(s) ? s : 'other';
}
