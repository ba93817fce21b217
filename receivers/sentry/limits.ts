/**
 * Relay's size limits on an envelope's items (its check_envelope_size_limits with Relay's
 * defaults): event-like items together within `max_event_size`, and per-type bounds for the
 * rest. An envelope over any of them is refused whole with 413.
 */
import { Refusal } from './answers.js';
import type { EnvelopeItem } from './envelope.js';

const KIB = 1024;
const MIB = 1024 * KIB;

/** Items counted together against max_event_size (Relay: Event, Transaction, Security, RawSecurity, Nel, UserReportV2, ReplayEvent, FormData). */
const EVENT_LIKE = new Set(['event', 'transaction', 'security', 'raw_security', 'nel', 'feedback', 'replay_event', 'form_data']);

/** Relay's default per-item limits (limits.max_*_size) for the other types it bounds. */
const PER_ITEM: Record<string, number> = {
  attachment: 200 * MIB,
  replay_recording: 10 * MIB,
  profile: 50 * MIB,
  profile_chunk: 50 * MIB,
  check_in: 100 * KIB,
  statsd: 1 * MIB,
  metric_buckets: 1 * MIB,
  log: 2 * MIB,
  span: 10 * MIB,
};

const MAX_ATTACHMENTS_SIZE = 200 * MIB;
const MAX_CLIENT_REPORTS_SIZE = 100 * KIB;
const MAX_SESSION_COUNT = 100;

const overflow = (type: string, cause: string) =>
  new Refusal(413, `envelope exceeded size limits for type '${type}' (https://develop.sentry.dev/sdk/envelopes/#size-limits)`, [cause]);

export function checkSizeLimits(items: EnvelopeItem[], maxEventSize: number): void {
  let eventSize = 0;
  let attachmentsSize = 0;
  let clientReportsSize = 0;
  let sessions = 0;
  for (const item of items) {
    const size = item.payload.length;
    if (EVENT_LIKE.has(item.type)) eventSize += size;
    else if (item.type === 'attachment') attachmentsSize += size;
    else if (item.type === 'client_report') clientReportsSize += size;
    else if (item.type === 'session' || item.type === 'sessions') sessions++;
    const max = PER_ITEM[item.type];
    if (max !== undefined && size > max) throw overflow(item.type, `item ${item.index} has ${size} bytes; at most ${max} are taken`);
  }
  if (eventSize > maxEventSize) throw overflow('event', `its event-like items have ${eventSize} bytes; the limit is max_event_size ${maxEventSize}`);
  if (attachmentsSize > MAX_ATTACHMENTS_SIZE) throw overflow('attachment', `its attachments have ${attachmentsSize} bytes; at most ${MAX_ATTACHMENTS_SIZE} are taken`);
  if (clientReportsSize > MAX_CLIENT_REPORTS_SIZE) throw overflow('client_report', `its client reports have ${clientReportsSize} bytes; at most ${MAX_CLIENT_REPORTS_SIZE} are taken`);
  if (sessions > MAX_SESSION_COUNT) throw overflow('session', `it has ${sessions} session items; at most ${MAX_SESSION_COUNT} are taken`);
}
