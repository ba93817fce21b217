/**
 * `client_report` items → outcomes: what an SDK dropped before sending (sampled out, rate
 * limited, queue full, removed by before_send ...), counted in the receiver's self-telemetry and
 * not passed on as telemetry. Entries are added up by reason and category, as Relay adds them up.
 */
import { Fields, countValue, expected, fieldPath } from './payload.js';
import { ItemError, type ClientOutcome, type ItemMapper } from './types.js';

/**
 * The lists of a report. SDKs send `discarded_events`; the others are what a Relay configured to
 * emit outcomes as client reports forwards, told apart by a prefix of the reason.
 */
const LISTS: [field: string, reasonPrefix: string][] = [
  ['discarded_events', ''],
  ['rate_limited_events', 'rate_limited:'],
  ['filtered_events', 'filtered:'],
  ['filtered_sampling_events', 'filtered_sampling:'],
];

/**
 * At most this much in one entry. Quantities count items, or bytes for `attachment` and
 * `log_byte`: more than 4 GiB dropped between two reports (SDKs send one a minute) is no count.
 */
export const MAX_QUANTITY = 2 ** 32 - 1;

/** Relay skips reasons longer than this. */
const MAX_REASON_LENGTH = 200;

/** Relay's data categories; a name it does not know is `unknown` to it, and here. */
const CATEGORIES = new Set([
  'default', 'error', 'transaction', 'security', 'attachment', 'session', 'profile', 'profile_indexed', 'replay',
  'replay_video', 'transaction_processed', 'transaction_indexed', 'monitor', 'span', 'log_item', 'log_byte',
  'monitor_seat', 'feedback', 'metric_bucket', 'span_indexed', 'profile_duration', 'profile_duration_ui',
  'profile_chunk', 'profile_chunk_ui', 'metric_second', 'uptime', 'attachment_item', 'seer_autofix', 'seer_scanner',
  'prevent_user', 'prevent_review', 'size_analysis', 'installable_build', 'trace_metric', 'seer_user',
  'profile_backend', 'profile_ui', 'unknown',
]);

function category(name: string): string {
  if (name === 'user_report_v2') return 'feedback';
  return CATEGORIES.has(name) ? name : 'unknown';
}

/** `{reason, category, quantity}`, or the same as a `[reason, category, quantity]` tuple (serde takes both). */
function outcomeOf(raw: unknown, path: string): ClientOutcome {
  let parts: { value: unknown; path: string }[];
  if (Array.isArray(raw)) {
    if (raw.length !== 3) throw expected(path, 'an outcome of [reason, category, quantity]', raw);
    parts = raw.map((value, i) => ({ value, path: fieldPath(path, i) }));
  } else {
    const f = Fields.of(raw, path);
    parts = ['reason', 'category', 'quantity'].map((k) => ({ value: f.raw(k), path: f.at(k) }));
  }
  const [reason, cat, quantity] = parts;
  if (typeof reason.value !== 'string') throw expected(reason.path, 'a string', reason.value);
  if (reason.value.length > MAX_REASON_LENGTH) {
    throw new ItemError(reason.path, `expected at most ${MAX_REASON_LENGTH} characters, got ${reason.value.length}`);
  }
  if (typeof cat.value !== 'string') throw expected(cat.path, 'a string', cat.value);
  return { reason: reason.value, category: category(cat.value), quantity: countValue(quantity.value, quantity.path, MAX_QUANTITY) };
}

export const mapClientReport: ItemMapper = (payload) => {
  const report = Fields.of(payload, '');
  report.time('timestamp'); // when the SDK wrote the report: not counted, but it must be a time
  const merged = new Map<string, ClientOutcome>();
  for (const [field, prefix] of LISTS) {
    (report.arr(field) ?? []).forEach((raw, i) => {
      const o = outcomeOf(raw, fieldPath(field, i));
      const reason = prefix + o.reason;
      const key = JSON.stringify([reason, o.category]);
      const seen = merged.get(key);
      if (seen) seen.quantity += o.quantity;
      else merged.set(key, { ...o, reason });
    });
  }
  return { outcomes: [...merged.values()] };
};
