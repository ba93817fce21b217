/**
 * A base-2 exponential histogram that keeps at most `maxSize` buckets per sign by lowering its
 * scale as the range of values grows, as go-expohisto (upstream's) and the OpenTelemetry SDKs do.
 * Bucket `i` at scale `s` holds values in (base^i, base^(i+1)] with base = 2^(2^-s).
 */
export const MAX_SCALE = 20;
export const MIN_SCALE = -10;

const view = new DataView(new ArrayBuffer(8));

/** Unbiased base-2 exponent of a positive finite double and whether it is an exact power of two. */
function exponentOf(v: number): { exp: number; pow2: boolean } {
  view.setFloat64(0, v);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  if (biased === 0) {
    // subnormal: rare enough for the slow way
    const exp = Math.floor(Math.log2(v));
    return { exp, pow2: 2 ** exp === v };
  }
  return { exp: biased - 1023, pow2: (hi & 0xfffff) === 0 && lo === 0 };
}

/** The index of the bucket holding `v` (> 0) at `scale`, as the OpenTelemetry specification maps it. */
export function mapToIndex(v: number, scale: number): number {
  const { exp, pow2 } = exponentOf(v);
  if (scale <= 0) return (exp - (pow2 ? 1 : 0)) >> -scale;
  if (pow2) return exp * 2 ** scale - 1;
  return Math.ceil(Math.log(v) * Math.LOG2E * 2 ** scale) - 1;
}

/** Lower boundary of bucket `index` at `scale` (its upper boundary is that of index + 1). */
export function lowerBoundary(index: number, scale: number): number {
  return 2 ** (index * 2 ** -scale);
}

class Buckets {
  offset = 0;
  counts: number[] = [];

  get end(): number {
    return this.offset + this.counts.length - 1;
  }

  increment(index: number): void {
    const counts = this.counts;
    if (counts.length === 0) {
      this.offset = index;
      counts.push(1);
    } else if (index < this.offset) {
      const grow = this.offset - index;
      const next = new Array<number>(grow + counts.length).fill(0);
      for (let i = 0; i < counts.length; i++) next[grow + i] = counts[i];
      next[0] = 1;
      this.counts = next;
      this.offset = index;
    } else {
      const i = index - this.offset;
      while (counts.length <= i) counts.push(0);
      counts[i]++;
    }
  }

  downscale(change: number): void {
    if (this.counts.length === 0 || change === 0) return;
    const offset = this.offset >> change;
    const next = new Array<number>((this.end >> change) - offset + 1).fill(0);
    for (let i = 0; i < this.counts.length; i++) next[((this.offset + i) >> change) - offset] += this.counts[i];
    this.offset = offset;
    this.counts = next;
  }
}

export class ExponentialHistogram {
  scale = MAX_SCALE;
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  zeroCount = 0;
  readonly positive = new Buckets();
  readonly negative = new Buckets();

  constructor(private readonly maxSize: number) {}

  observe(v: number): void {
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    if (v === 0) {
      this.zeroCount++;
      return;
    }
    const buckets = v > 0 ? this.positive : this.negative;
    let index = mapToIndex(Math.abs(v), this.scale);
    if (buckets.counts.length > 0) {
      const lo = Math.min(index, buckets.offset);
      const hi = Math.max(index, buckets.end);
      let change = 0;
      while (change < this.scale - MIN_SCALE && (hi >> change) - (lo >> change) + 1 > this.maxSize) change++;
      if (change > 0) {
        this.positive.downscale(change);
        this.negative.downscale(change);
        this.scale -= change;
        index >>= change;
      }
    }
    buckets.increment(index);
  }
}
