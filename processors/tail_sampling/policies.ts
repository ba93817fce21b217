import { ISSUE_NEW, ISSUE_REGRESSED } from '../../pipeline/exceptions/issues.js';
import { StatusCode, type AnyValue, type Span } from '../../pipeline/model.js';
import { compileConditions } from '../../pipeline/ottl/index.js';
import { compileGoRegex } from '../internal/goregex.js';
import type { PolicyConfig } from './config.js';
import type { SpanGroup, TraceData } from './trace.js';

/**
 * A policy's verdict. The inverted ones come from `invert_match` at the top level, as upstream
 * (deprecated there, kept for configs that use it): see {@link combine}.
 */
export type Decision = 'sampled' | 'not_sampled' | 'inverted_sampled' | 'inverted_not_sampled' | 'dropped';

export interface Policy {
  readonly name: string;
  evaluate(trace: TraceData): Decision;
}

export interface PolicyEnv {
  /** Milliseconds, for the rate limits (tests drive it). */
  now(): number;
  /** An OTTL runtime error under error_mode ignore (for a warning). */
  onOttlError?(policy: string, err: unknown): void;
}

/** Upstream's final decision: any drop wins, then an inverted not-sample, then any sample. */
export function combine(decisions: Iterable<Decision>): 'sampled' | 'not_sampled' | 'dropped' {
  let sampled = false;
  let invertedSampled = false;
  let notSampled = false;
  let invertedNot = false;
  for (const d of decisions) {
    if (d === 'dropped') return 'dropped';
    if (d === 'sampled') sampled = true;
    else if (d === 'inverted_sampled') invertedSampled = true;
    else if (d === 'inverted_not_sampled') invertedNot = true;
    else notSampled = true;
  }
  if (invertedNot) return 'not_sampled';
  if (sampled || (invertedSampled && !notSampled)) return 'sampled';
  return 'not_sampled';
}

/** Inside `and`, `drop` and `composite` an inverted decision is a plain one, as upstream. */
const plain = (d: Decision): boolean => d === 'sampled' || d === 'inverted_sampled';

function* spansOf(trace: TraceData): Generator<[Span, SpanGroup]> {
  for (const g of trace.groups) for (const s of g.spans) yield [s, g];
}

/** Whether the resource or any span of the trace has `key` with a value `match` accepts. */
function anyAttribute(trace: TraceData, key: string, match: (v: AnyValue) => boolean): boolean {
  for (const g of trace.groups) {
    const rv = g.resource.attributes.get(key);
    if (rv !== undefined && match(rv)) return true;
    for (const s of g.spans) {
      const v = s.attributes.get(key);
      if (v !== undefined && match(v)) return true;
    }
  }
  return false;
}

const decide = (yes: boolean): Decision => (yes ? 'sampled' : 'not_sampled');
const inverted = (matched: boolean): Decision => (matched ? 'inverted_not_sampled' : 'inverted_sampled');

type Fnv64 = [hi: number, lo: number];

/** FNV-1a 64 over `bytes` from `state`, in two 32-bit halves (BigInt arithmetic costs tens of microseconds per trace). */
function fnvMix([hi, lo]: Fnv64, bytes: ArrayLike<number>): Fnv64 {
  for (let i = 0; i < bytes.length; i++) {
    lo = (lo ^ bytes[i]) >>> 0;
    // × 0x100000001b3 = × 0x1b3 + (× 2^40, which moves lo << 8 into the high half)
    const low = lo * 0x1b3;
    hi = (Math.imul(hi, 0x1b3) + Math.floor(low / 0x100000000) + (lo << 8)) >>> 0;
    lo = low >>> 0;
  }
  return [hi, lo];
}

const FNV_OFFSET: Fnv64 = [0xcbf29ce4, 0x84222325];
const idBytes = new Uint8Array(16);

/** The 16 bytes of a trace id's hex (missing or non-hex digits count as 0), into a shared array. */
function traceIdBytes(hex: string): Uint8Array {
  const nibble = (i: number) => {
    const c = hex.charCodeAt(i) | 0x20; // lower case; NaN past the end becomes 0x20
    return c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : 0;
  };
  for (let i = 0; i < 16; i++) idBytes[i] = (nibble(2 * i) << 4) | nibble(2 * i + 1);
  return idBytes;
}

/** FNV-1a 64 of the salt and the trace id bytes, as upstream hashes for `probabilistic`. */
export function fnv1a64(salt: string, traceIdHex: string): Fnv64 {
  return fnvMix(fnvMix(FNV_OFFSET, Buffer.from(salt, 'utf8')), traceIdBytes(traceIdHex));
}

/** ratio × MaxUint64 as upstream computes it (truncated), in 32-bit halves. */
function threshold(percent: number): [hi: number, lo: number] {
  const max = (1n << 64n) - 1n;
  const scale = 1_000_000_000n;
  const t = percent >= 100 ? max : (max * BigInt(Math.round((percent / 100) * Number(scale)))) / scale;
  return [Number(t >> 32n), Number(t & 0xffffffffn)];
}

/** Spans per second in one-second windows, as upstream's rate limiting and composite count. */
class SecondWindow {
  private second = -1;
  used = 0;
  constructor(private readonly env: PolicyEnv) {}
  /** Resets the count when a new second starts. */
  roll(): void {
    const s = Math.floor(this.env.now() / 1000);
    if (s !== this.second) {
      this.second = s;
      this.used = 0;
    }
  }
}

function traceState(trace: TraceData, key: string, values: Set<string>): boolean {
  for (const [s] of spansOf(trace)) {
    if (!s.traceState) continue;
    for (const member of s.traceState.split(',')) {
      const eq = member.indexOf('=');
      if (eq > 0 && member.slice(0, eq).trim() === key && values.has(member.slice(eq + 1).trim())) return true;
    }
  }
  return false;
}

const STATUS: Record<string, StatusCode> = { OK: StatusCode.Ok, ERROR: StatusCode.Error, UNSET: StatusCode.Unset };

/** Builds a policy from its config (validated: the type's section is there). */
export function buildPolicy(c: PolicyConfig, env: PolicyEnv): Policy {
  const named = (evaluate: (t: TraceData) => Decision): Policy => ({ name: c.name, evaluate });
  switch (c.type) {
    case 'always_sample':
      return named(() => 'sampled');
    case 'latency': {
      const lower = BigInt(Math.round((c.latency?.threshold_ms ?? 0) * 1e6));
      const upper = BigInt(Math.round((c.latency?.upper_threshold_ms ?? 0) * 1e6));
      return named((t) => {
        if (t.earliestStart === undefined || t.latestEnd === undefined) return 'not_sampled';
        const d = t.latestEnd - t.earliestStart;
        return decide(d >= lower && (upper === 0n || d <= upper));
      });
    }
    case 'numeric_attribute': {
      const { key, min_value, max_value, invert_match } = c.numeric_attribute!;
      const inRange = (v: AnyValue) => {
        if (typeof v !== 'bigint' && typeof v !== 'number') return false;
        const n = Number(v);
        return (min_value === undefined || n >= min_value) && (max_value === undefined || n <= max_value);
      };
      return named((t) => (invert_match ? inverted(anyAttribute(t, key, inRange)) : decide(anyAttribute(t, key, inRange))));
    }
    case 'probabilistic': {
      const salt = c.probabilistic?.hash_salt || 'default-hash-seed';
      const percent = c.probabilistic?.sampling_percentage ?? 0;
      const [limitHi, limitLo] = threshold(percent);
      const salted = fnvMix(FNV_OFFSET, Buffer.from(salt, 'utf8'));
      return named((t) => {
        if (percent <= 0) return 'not_sampled';
        const [hi, lo] = fnvMix(salted, traceIdBytes(t.traceId));
        return decide(hi < limitHi || (hi === limitHi && lo <= limitLo));
      });
    }
    case 'status_code': {
      const mask = c.status_code!.status_codes.reduce((m, s) => m | (1 << STATUS[s]), 0);
      return named((t) => decide((t.statusCodes & mask) !== 0));
    }
    case 'string_attribute': {
      const { key, values, enabled_regex_matching, invert_match } = c.string_attribute!;
      const regexes = enabled_regex_matching ? values.map(compileGoRegex) : [];
      const exact = new Set(values);
      const match = (v: AnyValue) => typeof v === 'string' && (enabled_regex_matching ? regexes.some((r) => r.test(v)) : exact.has(v));
      return named((t) => (invert_match ? inverted(anyAttribute(t, key, match)) : decide(anyAttribute(t, key, match))));
    }
    case 'boolean_attribute': {
      const { key, value, invert_match } = c.boolean_attribute!;
      const match = (v: AnyValue) => v === value;
      return named((t) => (invert_match ? inverted(anyAttribute(t, key, match)) : decide(anyAttribute(t, key, match))));
    }
    case 'trace_state': {
      const { key, values } = c.trace_state!;
      const set = new Set(values);
      return named((t) => decide(traceState(t, key, set)));
    }
    case 'trace_flags':
      return named((t) => decide(t.sampledFlag));
    case 'rate_limiting': {
      const limit = c.rate_limiting!.spans_per_second;
      const window = new SecondWindow(env);
      return named((t) => {
        window.roll();
        if (window.used + t.spanCount > limit) return 'not_sampled';
        window.used += t.spanCount;
        return 'sampled';
      });
    }
    case 'bytes_limiting': {
      const rate = c.bytes_limiting!.bytes_per_second;
      const burst = c.bytes_limiting!.burst_capacity ?? 2 * rate;
      let tokens = burst;
      let at = env.now();
      return named((t) => {
        const now = env.now();
        tokens = Math.min(burst, tokens + ((now - at) / 1000) * rate);
        at = now;
        if (t.bytes > tokens) return 'not_sampled';
        tokens -= t.bytes;
        return 'sampled';
      });
    }
    case 'span_count': {
      const min = c.span_count?.min_spans ?? 0;
      const max = c.span_count?.max_spans ?? 0;
      return named((t) => decide(t.spanCount >= min && (max === 0 || t.spanCount <= max)));
    }
    case 'ottl_condition': {
      const { error_mode = 'propagate', span = [], spanevent = [] } = c.ottl_condition!;
      const onError = error_mode === 'propagate' ? undefined : (err: unknown) => (error_mode === 'ignore' ? env.onOttlError?.(c.name, err) : undefined);
      const spanTest = compileConditions(span, 'span', onError && { onError });
      const eventTest = compileConditions(spanevent, 'spanevent', onError && { onError });
      const hasEventTests = spanevent.length > 0;
      return named((t) => {
        for (const [s, g] of spansOf(t)) {
          const item = { span: s, scope: g.scope, resource: g.resource };
          if (spanTest(item)) return 'sampled';
          if (hasEventTests) for (const event of s.events) if (eventTest({ event, ...item })) return 'sampled';
        }
        return 'not_sampled';
      });
    }
    case 'issue': {
      const keys = [...(c.issue?.new !== false ? [ISSUE_NEW] : []), ...(c.issue?.regressed !== false ? [ISSUE_REGRESSED] : [])];
      return named((t) => {
        if (!t.hasEvents) return 'not_sampled';
        for (const [s] of spansOf(t)) for (const e of s.events) for (const k of keys) if (e.attributes.get(k) === true) return 'sampled';
        return 'not_sampled';
      });
    }
    case 'and': {
      const subs = c.and!.and_sub_policy.map((p) => buildPolicy(p, env));
      return named((t) => decide(subs.every((p) => plain(p.evaluate(t)))));
    }
    case 'drop': {
      const subs = c.drop!.drop_sub_policy.map((p) => buildPolicy(p, env));
      return named((t) => (subs.every((p) => plain(p.evaluate(t))) ? 'dropped' : 'not_sampled'));
    }
    case 'composite':
      return composite(c, env);
  }
}

/**
 * Sub-policies in `policy_order` (then the rest in config order); the first that samples
 * spends from its share of `max_total_spans_per_second` and from the total, per second. A
 * sub-policy without a `rate_allocation` entry may use what is left of the total — the intent
 * of upstream's README ("to fill the remaining capacity use always_sample").
 */
function composite(c: PolicyConfig, env: PolicyEnv): Policy {
  const { max_total_spans_per_second: total, policy_order = [], composite_sub_policy, rate_allocation = [] } = c.composite!;
  const order = [...policy_order, ...composite_sub_policy.map((p) => p.name).filter((n) => !policy_order.includes(n))];
  const share = new Map(rate_allocation.map((r) => [r.policy, (r.percent / 100) * total]));
  const subs = order.map((name) => ({
    policy: buildPolicy(composite_sub_policy.find((p) => p.name === name)!, env),
    limit: share.get(name) ?? total,
    window: new SecondWindow(env),
  }));
  const all = new SecondWindow(env);
  return {
    name: c.name,
    evaluate(t) {
      all.roll();
      for (const sub of subs) {
        if (!plain(sub.policy.evaluate(t))) continue;
        sub.window.roll();
        // Over budget: not sampled, and nothing spent, so a smaller trace may still fit this second.
        if (sub.window.used + t.spanCount > sub.limit || all.used + t.spanCount > total) return 'not_sampled';
        sub.window.used += t.spanCount;
        all.used += t.spanCount;
        return 'sampled';
      }
      return 'not_sampled';
    },
  };
}
