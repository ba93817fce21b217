/**
 * The `hash_seed` mode's randomness: FNV-1a (32 bit) over the seed's 4 little-endian bytes and
 * then the data, of which 14 bits decide, as the processor always did; spread into a 56-bit
 * randomness so the decision is an OTEP 235 threshold comparison like the other modes'.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
export const HASH_BUCKETS = 0x4000;

export function fnv1a32(bytes: Uint8Array, start = FNV_OFFSET): number {
  let h = start;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], FNV_PRIME) >>> 0;
  return h;
}

export function seededHash(seed: number, data: Uint8Array): number {
  const seedBytes = new Uint8Array([seed & 0xff, (seed >>> 8) & 0xff, (seed >>> 16) & 0xff, (seed >>> 24) & 0xff]);
  return fnv1a32(data, fnv1a32(seedBytes));
}

/**
 * 56 bits whose top 14 are (2^14 − 1 − bucket), so that `randomness ≥ (2^14 − rate) << 42` holds
 * exactly when `bucket < rate` — the original comparison. The rest mixes the hash's unused
 * bits (as upstream, so an `rv` written from it matches the Collector's).
 */
export function hashRandomness(seed: number, data: Uint8Array): bigint {
  const h = seededHash(seed, data);
  const bucket = h & (HASH_BUCKETS - 1);
  const unused18 = BigInt(h >>> 14);
  const mixed28 = unused18 ^ (unused18 << 10n);
  return (BigInt(HASH_BUCKETS - 1 - bucket) << 42n) | (mixed28 << 14n) | BigInt(bucket);
}

/** The rejection threshold for a percentage in hash_seed mode; 0 rate means nothing is kept. */
export function hashThreshold(percent: number): bigint | undefined {
  // float32 arithmetic and truncation, as the original `uint32(pct * percentageScaleFactor)`
  const rate = Math.trunc(Math.fround(Math.fround(percent) * Math.fround(HASH_BUCKETS / 100)));
  if (rate <= 0) return undefined;
  return BigInt(HASH_BUCKETS - Math.min(rate, HASH_BUCKETS)) << 42n;
}
