import { anyValueAsString } from '../../pipeline/anyvalue.js';
import type { AnyValue, Attributes, LogRecord, Span } from '../../pipeline/model.js';
import { hashRandomness, hashThreshold } from './hash.js';
import {
  ALWAYS_SAMPLE,
  MAX_RANDOMNESS,
  MIN_SAMPLING_PROBABILITY,
  NEVER_SAMPLE,
  SamplingError,
  TraceState,
  parseRValue,
  parseTValue,
  probabilityToThreshold,
  rValue,
  tValue,
  thresholdProbability,
  traceIdRandomness,
} from './otep235.js';

export type SamplerMode = 'hash_seed' | 'equalizing' | 'proportional';

export interface SamplerSettings {
  /** As configured (a float32 upstream). */
  percent: number;
  hashSeed: number;
  /** Undefined: hash_seed when a seed is set (or, for logs, attribute_source is record), else proportional. */
  mode: SamplerMode | undefined;
  failClosed: boolean;
  precision: number;
  attributeSource: 'traceID' | 'record';
  fromAttribute: string;
  samplingPriority: string;
}

/** Where an item keeps its sampling threshold and explicit randomness: tracestate or log attributes. */
interface Carrier {
  th: bigint | undefined;
  rv: bigint | undefined;
  /** Writes th and rv back to the item. */
  save(): void;
}

/** What an item offers the decision: its randomness (undefined: it has none), named as upstream's `policy`. */
interface ItemRandomness {
  randomness: bigint | undefined;
  policy: string;
  carrier: Carrier | undefined;
  /** A problem found while reading the item; the decision then follows fail_closed. */
  problem: string | undefined;
}

export interface Decision {
  sampled: boolean;
  policy: string;
  problem: string | undefined;
}

type Decide = (carrier: Carrier) => bigint;

const MISSING_RANDOMNESS = 'missing randomness';
const INCONSISTENT_TVALUE = 'inconsistent arriving t-value: the item should not have been sampled';
const RANDOMNESS_IN_USE = 'item has sampling randomness; equalizing or proportional mode recommended';
const THRESHOLD_IN_USE = 'item has a sampling threshold; equalizing or proportional mode recommended';
const PRIORITY_POLICY = 'sampling_priority';

function isEmptyId(id: string): boolean {
  return /^0*$/.test(id);
}

function idBytes(id: string): Uint8Array {
  return Buffer.from(id.padStart(32, '0'), 'hex');
}

function valueBytes(v: AnyValue): Uint8Array {
  return v instanceof Uint8Array ? v : Buffer.from(anyValueAsString(v), 'utf8');
}

function spanCarrier(span: Span): { carrier: Carrier | undefined; problem: string | undefined } {
  try {
    const ts = TraceState.parse(span.traceState);
    return {
      carrier: {
        get th() { return ts.th; },
        set th(v) { ts.th = v; },
        get rv() { return ts.rv; },
        set rv(v) { ts.rv = v; },
        save: () => void (span.traceState = ts.serialize()),
      },
      problem: undefined,
    };
  } catch (err) {
    if (err instanceof SamplingError) return { carrier: undefined, problem: err.message };
    throw err;
  }
}

const THRESHOLD_ATTRIBUTE = 'sampling.threshold';
const RANDOMNESS_ATTRIBUTE = 'sampling.randomness';

function stringAttribute(a: Attributes, key: string): string {
  const v = a.get(key);
  return typeof v === 'string' ? v : '';
}

function logCarrier(record: LogRecord): { carrier: Carrier | undefined; problem: string | undefined } {
  const a = record.attributes;
  const t = stringAttribute(a, THRESHOLD_ATTRIBUTE);
  const r = stringAttribute(a, RANDOMNESS_ATTRIBUTE);
  try {
    const carrier: Carrier = {
      th: t ? parseTValue(t) : undefined,
      rv: r ? parseRValue(r) : undefined,
      save() {
        if (this.th === undefined) a.delete(THRESHOLD_ATTRIBUTE);
        else a.set(THRESHOLD_ATTRIBUTE, tValue(this.th));
        if (this.rv !== undefined) a.set(RANDOMNESS_ATTRIBUTE, rValue(this.rv));
      },
    };
    return { carrier, problem: undefined };
  } catch (err) {
    if (err instanceof SamplingError) return { carrier: undefined, problem: err.message };
    throw err;
  }
}

/**
 * hash_seed mode leaves data that already carries consistent-sampling information alone (it
 * would lie about it), and otherwise records the hash as explicit randomness.
 */
function hashModeItem(randomness: bigint | undefined, policy: string, read: { carrier: Carrier | undefined; problem: string | undefined }): ItemRandomness {
  const { carrier, problem } = read;
  if (!carrier) return { randomness, policy, carrier, problem };
  if (carrier.rv !== undefined) return { randomness, policy, carrier, problem: RANDOMNESS_IN_USE };
  if (carrier.th !== undefined) return { randomness, policy, carrier, problem: THRESHOLD_IN_USE };
  if (randomness !== undefined) carrier.rv = randomness;
  return { randomness, policy, carrier, problem: undefined };
}

/** Upstream's sampling.priority span attribute (OpenTracing): 0 drops the span, more than 0 keeps it. */
function spanPriority(span: Span): 'never' | 'always' | undefined {
  const v = span.attributes.get('sampling.priority');
  let n: number;
  if (typeof v === 'bigint') n = Number(v);
  else if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) n = Number(v);
  else return undefined;
  return n === 0 ? 'never' : n > 0 ? 'always' : undefined;
}

/** The per-item decision of one processor instance, for spans and log records. */
export class ProbabilisticSampler {
  private readonly spanMode: SamplerMode;
  private readonly logMode: SamplerMode;
  private readonly spanDecide: Decide;
  private readonly logDecide: Decide;

  constructor(private readonly s: SamplerSettings) {
    this.spanMode = s.mode ?? (s.hashSeed !== 0 ? 'hash_seed' : 'proportional');
    this.logMode = s.mode ?? (s.hashSeed !== 0 || s.attributeSource !== 'traceID' ? 'hash_seed' : 'proportional');
    this.spanDecide = this.decider(this.spanMode);
    this.logDecide = this.decider(this.logMode);
  }

  private decider(mode: SamplerMode): Decide {
    const percent = Math.min(Math.fround(this.s.percent), 100);
    if (percent === 0) return () => NEVER_SAMPLE;
    const ratio = Math.max(percent / 100, MIN_SAMPLING_PROBABILITY);
    const precision = this.s.precision;
    switch (mode) {
      case 'hash_seed': {
        const threshold = hashThreshold(percent) ?? NEVER_SAMPLE;
        return () => threshold;
      }
      case 'equalizing': {
        const threshold = probabilityToThreshold(ratio, precision) ?? NEVER_SAMPLE;
        return () => threshold;
      }
      case 'proportional':
        return (carrier) => {
          const incoming = carrier.th === undefined ? 1 : thresholdProbability(carrier.th);
          return probabilityToThreshold(incoming * ratio, precision) ?? NEVER_SAMPLE;
        };
    }
  }

  private spanRandomness(span: Span): ItemRandomness {
    const read = spanCarrier(span);
    if (this.spanMode === 'hash_seed') return hashModeItem(hashRandomness(this.s.hashSeed, idBytes(span.traceId)), 'trace_id_hash', read);
    const { carrier, problem } = read;
    if (!carrier) return { randomness: undefined, policy: 'missing_randomness', carrier, problem };
    if (carrier.rv !== undefined) return { randomness: carrier.rv, policy: 'sampling_randomness', carrier, problem };
    if (isEmptyId(span.traceId)) return { randomness: undefined, policy: 'missing_randomness', carrier, problem };
    return { randomness: traceIdRandomness(span.traceId), policy: 'trace_id_w3c', carrier, problem };
  }

  private logRandomness(record: LogRecord): ItemRandomness {
    const read = logCarrier(record);
    const attr = this.s.fromAttribute;
    const attrValue = attr ? record.attributes.get(attr) : undefined;
    if (this.logMode === 'hash_seed') {
      if (this.s.attributeSource === 'traceID') return hashModeItem(hashRandomness(this.s.hashSeed, idBytes(record.traceId)), 'trace_id_hash', read);
      if (attrValue !== undefined) return hashModeItem(hashRandomness(this.s.hashSeed, valueBytes(attrValue)), attr, read);
      return hashModeItem(undefined, 'missing_randomness', read);
    }
    const { carrier, problem } = read;
    if (!carrier) return { randomness: undefined, policy: 'missing_randomness', carrier, problem };
    if (carrier.rv !== undefined) return { randomness: carrier.rv, policy: 'sampling_randomness', carrier, problem };
    if (!isEmptyId(record.traceId)) return { randomness: traceIdRandomness(record.traceId), policy: 'trace_id_w3c', carrier, problem };
    if (attrValue !== undefined) return { randomness: hashRandomness(this.s.hashSeed, valueBytes(attrValue)), policy: attr, carrier, problem };
    return { randomness: undefined, policy: 'missing_randomness', carrier, problem };
  }

  /** The threshold before priorities: fail_closed for an item with a problem, else the mode's. */
  private baseThreshold(item: ItemRandomness, decide: Decide): { threshold: bigint; problem: string | undefined } {
    let problem = item.problem;
    if (!problem) {
      if (item.randomness === undefined) problem = MISSING_RANDOMNESS;
      else if (item.carrier!.th !== undefined && item.randomness < item.carrier!.th) {
        // the arriving threshold says this item should not have been kept: it is not believed
        item.carrier!.th = undefined;
        problem = INCONSISTENT_TVALUE;
      }
    }
    if (problem) return { threshold: this.s.failClosed ? NEVER_SAMPLE : ALWAYS_SAMPLE, problem };
    return { threshold: decide(item.carrier!), problem };
  }

  private finish(item: ItemRandomness, threshold: bigint, policy: string, problem: string | undefined): Decision {
    const sampled = (item.randomness ?? MAX_RANDOMNESS) >= threshold;
    const carrier = item.carrier;
    if (sampled && carrier) {
      // a threshold only ever rises: an item sampled harder before keeps its own
      if (carrier.th === undefined || carrier.th <= threshold) carrier.th = threshold;
      carrier.save();
    }
    return { sampled, policy, problem };
  }

  span(span: Span): Decision {
    const item = this.spanRandomness(span);
    let { threshold, problem } = this.baseThreshold(item, this.spanDecide);
    let policy = item.policy;
    const priority = spanPriority(span);
    if (priority) {
      threshold = priority === 'always' ? ALWAYS_SAMPLE : NEVER_SAMPLE;
      policy = PRIORITY_POLICY;
    }
    return this.finish(item, threshold, policy, problem);
  }

  logRecord(record: LogRecord): Decision {
    const item = this.logRandomness(record);
    let { threshold, problem } = this.baseThreshold(item, this.logDecide);
    let policy = item.policy;
    // For logs the priority attribute can only raise the probability: a percentage, >= 100 keeps.
    const v = this.s.samplingPriority ? record.attributes.get(this.s.samplingPriority) : undefined;
    const minPercent = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : 0;
    if (minPercent > 0) {
      const priority = probabilityToThreshold(Math.min(minPercent / 100, 1), this.s.precision);
      if (priority === ALWAYS_SAMPLE) policy = PRIORITY_POLICY;
      if (priority !== undefined && priority < threshold) threshold = priority;
    }
    return this.finish(item, threshold, policy, problem);
  }
}
