/**
 * The last `capacity` decisions by trace id, the oldest forgotten first. Their order is kept
 * in a ring of ids rather than taken from the Map's: a Map's first key is found by walking
 * past every entry deleted at its front, which cost ~30 µs a decision at 50,000 remembered.
 */
export class RecentDecisions {
  /** Decision time × 2, plus 1 when sampled: a number, not an object per trace. */
  private readonly byTrace = new Map<string, number>();
  private readonly ring: string[] = [];
  private next = 0;

  constructor(private readonly capacity: number) {}

  get(traceId: string): { sampled: boolean; atMs: number } | undefined {
    const v = this.byTrace.get(traceId);
    return v === undefined ? undefined : { sampled: v % 2 === 1, atMs: Math.floor(v / 2) };
  }

  /** A trace not remembered now: the sampler decides a trace only while it is pending, and a remembered one never is. */
  set(traceId: string, sampled: boolean, atMs: number): void {
    this.byTrace.set(traceId, atMs * 2 + (sampled ? 1 : 0));
    if (this.ring.length < this.capacity) {
      this.ring.push(traceId);
      return;
    }
    this.byTrace.delete(this.ring[this.next]);
    this.ring[this.next] = traceId;
    this.next = (this.next + 1) % this.capacity;
  }
}
