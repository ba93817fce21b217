/**
 * Start times of cumulative points, as upstream's initial-point adjuster sets them: a series'
 * first point starts at its own time (or its `_created`), later points keep that start until
 * the value drops (a reset), which starts the series anew. Kept per target; series not seen in
 * a scrape are forgotten after it.
 */

interface Known {
  start: bigint;
  value: number;
  sum: number;
  seen: boolean;
}

export class StartTimes {
  private readonly series = new Map<string, Known>();

  /**
   * The start of a cumulative point of the series `key` whose own start would be `initial`
   * (its time, or its `_created`); `value` is a sum's value or a histogram's / summary's count.
   */
  startOf(key: string, initial: bigint, stale: boolean, value: number, sum: number, summary: boolean): bigint {
    const known = this.series.get(key);
    if (!known) {
      this.series.set(key, { start: initial, value, sum, seen: true });
      return initial;
    }
    known.seen = true;
    if (stale) return known.start;
    const reset = summary ? (value !== 0 && known.value !== 0 && value < known.value) || (sum !== 0 && known.sum !== 0 && sum < known.sum) : value < known.value || sum < known.sum;
    if (reset) known.start = initial;
    known.value = value;
    known.sum = sum;
    return known.start;
  }

  /** Ends a scrape: series it did not have are forgotten. */
  sweep(): void {
    for (const [key, k] of this.series) {
      if (!k.seen) this.series.delete(key);
      else k.seen = false;
    }
  }
}
