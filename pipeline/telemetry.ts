import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';
import type { PipelineSignal } from './model.js';
import { ITEM_NOUN } from './model-ops.js';

// prom-client's index also loads its default process metrics (and @opentelemetry/api with them),
// Pushgateway, Summary and cluster aggregator, none of which Summit uses: ~1 MiB of heap for good
const require = createRequire(import.meta.url);
const Registry = require('prom-client/lib/registry') as typeof PromClient.Registry;
const Counter = require('prom-client/lib/counter') as typeof PromClient.Counter;
const Gauge = require('prom-client/lib/gauge') as typeof PromClient.Gauge;
const Histogram = require('prom-client/lib/histogram') as typeof PromClient.Histogram;
type Counter<T extends string> = PromClient.Counter<T>;
type Gauge<T extends string> = PromClient.Gauge<T>;
type Histogram<T extends string> = PromClient.Histogram<T>;

/**
 * Summit's own metrics, with the OpenTelemetry Collector's names as its Prometheus endpoint
 * shows them today (counters carry `_total`). One registry per running service, so several
 * services in one process (tests, reload) never mix their numbers.
 */
export class SelfTelemetry {
  readonly registry = new Registry();
  private readonly started = Date.now();

  constructor() {
    this.processMetrics();
  }

  counter(name: string, help: string, labelNames: string[]): Counter<string> {
    const existing = this.registry.getSingleMetric(name);
    if (existing) return existing as Counter<string>;
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  gauge(name: string, help: string, labelNames: string[], collect?: (g: Gauge<string>) => void): Gauge<string> {
    const existing = this.registry.getSingleMetric(name);
    if (existing) return existing as Gauge<string>;
    return new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      ...(collect ? { collect() { collect(this); } } : {}),
    });
  }

  histogram(name: string, help: string, labelNames: string[], buckets: number[]): Histogram<string> {
    const existing = this.registry.getSingleMetric(name);
    if (existing) return existing as Histogram<string>;
    return new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
  }

  receiverResult(signal: PipelineSignal, receiver: string, transport: string, items: number, accepted: boolean): void {
    const verb = accepted ? 'accepted' : 'refused';
    const what = accepted ? 'successfully pushed into the pipeline' : 'that could not be pushed into the pipeline';
    this.counter(`otelcol_receiver_${verb}_${ITEM_NOUN[signal]}_total`, `Number of ${ITEM_NOUN[signal]} ${what}.`, ['receiver', 'transport'])
      .inc({ receiver, transport }, items);
  }

  exporterResult(signal: PipelineSignal, exporter: string, items: number, sent: boolean): void {
    const name = sent ? `otelcol_exporter_sent_${ITEM_NOUN[signal]}_total` : `otelcol_exporter_send_failed_${ITEM_NOUN[signal]}_total`;
    const help = sent ? 'successfully sent to destination' : 'in failed attempts to send to destination';
    this.counter(name, `Number of ${ITEM_NOUN[signal]} ${help}.`, ['exporter']).inc({ exporter }, items);
  }

  processorItems(signal: PipelineSignal, processor: string, items: number, direction: 'incoming' | 'outgoing'): void {
    this.counter(`otelcol_processor_${direction}_items_total`, `Number of items ${direction === 'incoming' ? 'passed to' : 'emitted from'} the processor.`, [
      'processor',
      'otel_signal',
    ]).inc({ processor, otel_signal: signal }, items);
  }

  async exposition(): Promise<string> {
    return this.registry.metrics();
  }

  private processMetrics(): void {
    this.gauge('otelcol_process_memory_rss_bytes', 'Total physical memory (resident set size) [bytes].', [], (g) => g.set(process.memoryUsage.rss()));
    this.gauge('otelcol_process_runtime_heap_alloc_bytes', 'Bytes of allocated heap objects.', [], (g) => g.set(process.memoryUsage().heapUsed));
    this.gauge('otelcol_process_runtime_total_sys_memory_bytes', 'Total heap reserved from the system [bytes].', [], (g) =>
      g.set(process.memoryUsage().heapTotal),
    );
    this.gauge('otelcol_process_uptime_seconds_total', 'Uptime of the process [seconds].', [], (g) => g.set((Date.now() - this.started) / 1000));
    this.gauge('otelcol_process_cpu_seconds_total', 'Total CPU user and system time [seconds].', [], (g) => {
      const u = process.cpuUsage();
      g.set((u.user + u.system) / 1e6);
    });
  }
}
