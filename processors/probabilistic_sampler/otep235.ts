/**
 * Consistent probability sampling as OpenTelemetry specifies it (OTEP 235): 56-bit randomness
 * (from the trace id's last 7 bytes, or an explicit `rv`), 56-bit rejection thresholds (`th`),
 * and the `ot` member of the W3C tracestate that carries them. A span is kept when its randomness
 * is at least the threshold.
 */

export const MAX_ADJUSTED_COUNT = 1n << 56n;
/** Threshold 0 keeps everything. */
export const ALWAYS_SAMPLE = 0n;
/** A threshold above every 56-bit randomness keeps nothing. */
export const NEVER_SAMPLE = MAX_ADJUSTED_COUNT;
/** The randomness a missing one stands for: kept by every threshold but NEVER_SAMPLE. */
export const MAX_RANDOMNESS = MAX_ADJUSTED_COUNT - 1n;
export const HEX_DIGITS = 14;
export const MIN_SAMPLING_PROBABILITY = 1 / 2 ** 56;

export class SamplingError extends Error {}

/** The randomness of a W3C trace id: its least significant 56 bits. */
export function traceIdRandomness(traceId: string): bigint {
  return BigInt(`0x${traceId.slice(-HEX_DIGITS)}`);
}

export function rValue(randomness: bigint): string {
  return randomness.toString(16).padStart(HEX_DIGITS, '0');
}

/** An `rv` value: exactly 14 hex digits. */
export function parseRValue(text: string): bigint {
  if (!/^[0-9a-fA-F]{14}$/.test(text)) throw new SamplingError(`rv "${text}" is not 14 hex digits`);
  return BigInt(`0x${text}`);
}

/** A `th` value: 1–14 hex digits, trailing zeros omitted. */
export function parseTValue(text: string): bigint {
  if (!/^[0-9a-fA-F]{1,14}$/.test(text)) throw new SamplingError(`th "${text}" is not 1 to 14 hex digits`);
  return BigInt(`0x${text}`) << BigInt(4 * (HEX_DIGITS - text.length));
}

/** The `th` text of a threshold; "" for NEVER_SAMPLE, which has none. */
export function tValue(threshold: bigint): string {
  if (threshold === ALWAYS_SAMPLE) return '0';
  if (threshold >= NEVER_SAMPLE) return '';
  return rValue(threshold).replace(/0+$/, '');
}

export function thresholdProbability(threshold: bigint): number {
  return Number(MAX_ADJUSTED_COUNT - threshold) / 2 ** 56;
}

/**
 * The threshold for a probability, rounded to `precision` significant hex digits (0 = all 56
 * bits); leading zero digits of the rejection probability do not count toward the precision.
 * Undefined when the probability is outside [2^-56, 1]. As the reference implementation
 * (pkg/sampling), a precision that leaves no digit gives ALWAYS_SAMPLE.
 */
export function probabilityToThreshold(probability: number, precision: number): bigint | undefined {
  if (!(probability >= MIN_SAMPLING_PROBABILITY && probability <= 1)) return undefined;
  const scaled = BigInt(Math.round(probability * 2 ** 56));
  if (precision === 0) return MAX_ADJUSTED_COUNT - scaled;
  if (probability === 1) return ALWAYS_SAMPLE;
  let digits = precision;
  for (let reject = 1 - probability; reject * 16 < 1; reject *= 16) digits++;
  if (digits > HEX_DIGITS) return ALWAYS_SAMPLE;
  const shift = BigInt(4 * (HEX_DIGITS - digits));
  const half = shift === 0n ? 0n : 1n << (shift - 1n);
  return ((MAX_ADJUSTED_COUNT - scaled + half) >> shift) << shift;
}

const W3C_KEY = /^(?:[a-z][_0-9a-z\-*/]{0,255}|[a-z0-9][_0-9a-z\-*/]{0,240}@[a-z][_0-9a-z\-*/]{0,13})$/;
const W3C_VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;
const OT_VALUE = /^[a-z][a-z0-9]*:[a-zA-Z0-9._-]*(?:;[a-z][a-z0-9]*:[a-zA-Z0-9._-]*)*$/;
const MAX_MEMBERS = 32;
const MAX_OT_LENGTH = 256;

/**
 * A W3C tracestate with its `ot` member parsed: `rv` and `th`, the other `ot` fields and the
 * other vendors' members kept in order. Serialized with `ot` first, as the spec asks of a
 * member that changed.
 */
export class TraceState {
  rv: bigint | undefined;
  th: bigint | undefined;
  private otExtra: string[] = [];
  private others: string[] = [];

  static parse(raw: string): TraceState {
    const ts = new TraceState();
    const members = raw.split(',').map((m) => m.trim()).filter((m) => m !== '');
    if (members.length > MAX_MEMBERS) throw new SamplingError(`tracestate has ${members.length} members; at most ${MAX_MEMBERS} are allowed`);
    for (const member of members) {
      const eq = member.indexOf('=');
      const key = eq < 0 ? member : member.slice(0, eq);
      const value = eq < 0 ? '' : member.slice(eq + 1);
      if (eq < 0 || !W3C_KEY.test(key) || !W3C_VALUE.test(value)) throw new SamplingError(`tracestate member "${member}" is not key=value`);
      if (key === 'ot') ts.parseOt(value);
      else ts.others.push(member);
    }
    return ts;
  }

  private parseOt(value: string): void {
    if (value.length > MAX_OT_LENGTH || !OT_VALUE.test(value)) throw new SamplingError(`tracestate ot value "${value}" is not key:value;...`);
    for (const field of value.split(';')) {
      const colon = field.indexOf(':');
      const key = field.slice(0, colon);
      const v = field.slice(colon + 1);
      if (key === 'rv') this.rv = parseRValue(v);
      else if (key === 'th') this.th = parseTValue(v);
      else this.otExtra.push(field);
    }
  }

  serialize(): string {
    const ot: string[] = [];
    if (this.rv !== undefined) ot.push(`rv:${rValue(this.rv)}`);
    if (this.th !== undefined) ot.push(`th:${tValue(this.th)}`);
    ot.push(...this.otExtra);
    return [...(ot.length ? [`ot=${ot.join(';')}`] : []), ...this.others].join(',');
  }
}
