/**
 * Start times of cumulative points, as upstream's initial-point adjuster sets them: a series'
 * first point starts at its own time (or its `_created`), later points keep that start until
 * the value drops (a reset), which starts the series anew. Kept per target; series not seen in
 * a scrape are forgotten after it.
 */
import type { Metrics } from '../../pipeline/model.js';

interface Known {
  start: bigint;
  value: number;
  sum: number;
  seen: boolean;
}

const NO_RECORDED_VALUE = 1;

export class StartTimes {
  private readonly series = new Map<string, Known>();

  /** With `startSeconds` (use_start_time_metric) every cumulative point starts then instead. */
  adjust(metrics: Metrics, startSeconds?: number): void {
    for (const k of this.series.values()) k.seen = false;
    const fixed = startSeconds === undefined ? undefined : BigInt(Math.round(startSeconds * 1e9));
    for (const rm of metrics.resourceMetrics) {
      const resource = `${String(rm.resource.attributes.get('service.name'))}\u0000${String(rm.resource.attributes.get('service.instance.id'))}`;
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) {
          const d = m.data;
          if (d.type === 'gauge' || d.type === 'exponentialHistogram') continue;
          for (const p of d.dataPoints) {
            if (fixed !== undefined) {
              p.startTimeUnixNano = fixed;
              continue;
            }
            const value = 'value' in p ? Number(p.value) : p.count;
            const sum = 'value' in p ? 0 : (p.sum ?? 0);
            const key = `${resource}\u0000${sm.scope.name}\u0000${m.name}\u0000${d.type}\u0000${signature(p.attributes)}`;
            const known = this.series.get(key);
            if (!known) {
              this.series.set(key, { start: p.startTimeUnixNano, value, sum, seen: true });
              continue;
            }
            known.seen = true;
            if (p.flags & NO_RECORDED_VALUE) {
              p.startTimeUnixNano = known.start;
              continue;
            }
            const reset = d.type === 'summary' ? (value !== 0 && known.value !== 0 && value < known.value) || (sum !== 0 && known.sum !== 0 && sum < known.sum) : value < known.value || sum < known.sum;
            if (reset) known.start = p.startTimeUnixNano;
            else p.startTimeUnixNano = known.start;
            known.value = value;
            known.sum = sum;
          }
        }
      }
    }
    for (const [key, k] of this.series) if (!k.seen) this.series.delete(key);
  }
}

function signature(attributes: Map<string, unknown>): string {
  return [...attributes]
    .map(([k, v]) => `${k}=${String(v)}`)
    .sort()
    .join('\u0001');
}
