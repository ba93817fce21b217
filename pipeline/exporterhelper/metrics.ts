/** The helper's self-telemetry, with upstream's names and labels. */
import type { PipelineSignal } from '../model.js';
import { ITEM_NOUN } from '../model-ops.js';
import type { SelfTelemetry } from '../telemetry.js';

export class HelperMetrics {
  constructor(
    private readonly t: SelfTelemetry,
    private readonly exporter: string,
  ) {}

  queueSize(signal: PipelineSignal, size: number): void {
    this.t
      .gauge('otelcol_exporter_queue_size', 'Current size of the retry queue (in batches, or items with sizer: items).', ['exporter', 'data_type'])
      .set({ exporter: this.exporter, data_type: signal }, size);
  }

  queueCapacity(signal: PipelineSignal, capacity: number): void {
    this.t
      .gauge('otelcol_exporter_queue_capacity', 'Fixed capacity of the retry queue (in batches, or items with sizer: items).', ['exporter', 'data_type'])
      .set({ exporter: this.exporter, data_type: signal }, capacity);
  }

  enqueueFailed(signal: PipelineSignal, items: number): void {
    const noun = ITEM_NOUN[signal];
    this.t
      .counter(`otelcol_exporter_enqueue_failed_${noun}_total`, `Number of ${noun} failed to be added to the sending queue.`, ['exporter'])
      .inc({ exporter: this.exporter }, items);
  }

  retried(signal: PipelineSignal): void {
    this.t
      .counter('otelcol_exporter_retries_total', 'Number of send attempts that failed and were scheduled for a retry.', ['exporter', 'data_type'])
      .inc({ exporter: this.exporter, data_type: signal });
  }

  result(signal: PipelineSignal, items: number, sent: boolean): void {
    this.t.exporterResult(signal, this.exporter, items, sent);
  }
}
