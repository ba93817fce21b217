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

const LIMITS = { max_spans: 1000, max_logs: 1000, max_points: 1000, max_value_bytes: 64 };
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
    const [point] = store.recentPoints();
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
