/** Upstream's ring: 36,000 positions (a circle to a hundredth of a degree), 100 per backend. */
const MAX_POSITIONS = 36000;
const POINTS_PER_BACKEND = 100;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE), as Go's crc32.ChecksumIEEE; Node's zlib.crc32 is missing before 20.15. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/**
 * Consistent hashing as upstream's loadbalancing exporter: each backend takes 100 points on a
 * ring of 36,000 positions (CRC-32 of its endpoint and the point's index); a key goes to the
 * first point at or after its own position. Adding or removing one of N backends moves only
 * the keys of that backend's arcs, about 1/N of them.
 */
export class HashRing {
  private readonly positions: Uint32Array;
  private readonly owners: string[];

  constructor(endpoints: readonly string[]) {
    const taken = new Map<number, string>();
    for (const endpoint of [...endpoints].sort()) {
      const name = Buffer.from(endpoint, 'utf8');
      for (let i = 0; i < POINTS_PER_BACKEND; i++) {
        const pos = crc32(Uint8Array.of(i), crc32(name)) % MAX_POSITIONS;
        if (!taken.has(pos)) taken.set(pos, endpoint);
      }
    }
    const sorted = [...taken.entries()].sort((a, b) => a[0] - b[0]);
    this.positions = Uint32Array.from(sorted.map((e) => e[0]));
    this.owners = sorted.map((e) => e[1]);
  }

  get empty(): boolean {
    return this.owners.length === 0;
  }

  /** The backend for a routing key; undefined when the ring is empty. */
  endpointFor(key: Uint8Array): string | undefined {
    if (!this.owners.length) return undefined;
    const pos = crc32(key) % MAX_POSITIONS;
    let lo = 0;
    let hi = this.positions.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.positions[mid] >= pos) hi = mid;
      else lo = mid + 1;
    }
    return this.owners[lo === this.owners.length ? 0 : lo];
  }
}
