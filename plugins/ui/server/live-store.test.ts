import v8 from 'node:v8';
import vm from 'node:vm';
import { attrs, gaugeOf, logsOf, metricsOf, newLogRecord, newSpan, tracesOf } from 'summit';
import { describe, expect, it } from 'vitest';
import { LiveStore } from './live-store.js';

/** A full collection, so heapUsed counts what is still held (the --expose-gc flag for one new context only). */
function collect(): void {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  v8.setFlagsFromString('--no-expose-gc');
  gc();
}

const LIMITS = { max_spans: 1000, max_logs: 1000, max_points: 1000, max_value_bytes: 64, max_bytes: 1 << 30 };
/** A flat text of its own: not one V8 shares between calls, nor a rope of repeated pieces (as padEnd's). */
function big(i: number, bytes: number): string {
  const b = Buffer.alloc(bytes, 'x');
  b.write(`${i}:`);
  return b.toString('latin1');
}

describe('the live store', () => {
  it('cuts every text it keeps to max_value_bytes, marked with the original size', () => {
    const store = new LiveStore(LIMITS);
    const long = big(0, 10_000);
    store.addTraces(
      tracesOf([newSpan({ name: long, attributes: attrs({ [long]: long }), events: [{ timeUnixNano: 1n, name: long, attributes: attrs({ a: long }), droppedAttributesCount: 0 }] })], { 'service.name': long }),
    );
    store.addLogs(logsOf([newLogRecord({ body: long, severityText: long, attributes: attrs({ k: long }) })], { 'service.name': long }));
    store.addMetrics(metricsOf([gaugeOf(long, [1], { k: long })], { 'service.name': long }));
    const [span] = store.recentSpans();
    const [log] = store.recentLogs();
    const [point] = store.servicePoints();
    const cut = `${long.slice(0, 64)}…[truncated from 10000 bytes]`;
    expect(span.name).toBe(cut);
    expect(span.service).toBe(cut);
    expect(span.attributes).toEqual({ [cut]: cut });
    expect(span.events[0]).toMatchObject({ name: cut, attributes: { a: cut } });
    expect([log.body, log.severityText, log.service, log.attributes.k]).toEqual([cut, cut, cut, cut]);
    expect([point.name, point.service, point.attributes.k]).toEqual([cut, cut, cut]);
    // short texts are kept as they are
    store.addTraces(tracesOf([newSpan({ name: 'GET /', attributes: attrs({ 'http.route': '/' }) })]));
    expect(store.recentSpans()[Symbol.iterator]().next().value).toMatchObject({ name: 'GET /', attributes: { 'http.route': '/' } });
  });

  it('drops its oldest rows once their texts pass max_bytes, as it does past max_spans', () => {
    const store = new LiveStore({ ...LIMITS, max_value_bytes: 4096, max_bytes: 65536 });
    // each span keeps 4 values cut to ~4.1 KB: 3 such rows fit in 64 KiB, far below max_spans
    for (let i = 0; i < 100; i++) {
      store.addTraces(tracesOf([newSpan({ name: `span ${i}`, attributes: attrs({ a: big(i, 5000), b: big(i, 5000), c: big(i, 5000), d: big(i, 5000) }) })]));
    }
    const kept = [...store.recentSpans()].map((s) => s.name);
    expect(kept.length).toBeGreaterThan(1);
    expect(kept.length).toBeLessThanOrEqual(65536 / (4 * 4096));
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => `span ${99 - i}`));
    // short rows: the count is the bound again
    const counted = new LiveStore({ ...LIMITS, max_spans: 10 });
    for (let i = 0; i < 20; i++) counted.addTraces(tracesOf([newSpan({ name: `span ${i}` })]));
    expect([...counted.recentSpans()].map((s) => s.name)).toEqual(Array.from({ length: 10 }, (_, i) => `span ${19 - i}`));
  });

  it('does not hold the large texts of the rows it keeps', () => {
    const store = new LiveStore(LIMITS);
    collect();
    const before = process.memoryUsage().heapUsed;
    // 30 spans, each with its own 1 MB name, attribute value and resource attribute: 90 MB if held
    for (let i = 0; i < 30; i++) {
      store.addTraces(tracesOf([newSpan({ name: big(i, 1_000_000), attributes: attrs({ a: big(i, 1_000_000) }) })], { r: big(i, 1_000_000) }));
    }
    collect();
    expect(store.sizes.spans).toBe(30);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(20 * 1024 * 1024);
  });
});
