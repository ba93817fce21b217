import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SpanKind, type Signal } from '../model.js';
import { decodeLogs, decodeMetrics, decodeSignal, decodeTraces, encodeSignal } from './index.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../../test/fixtures/otlp-json/${name}.json`, import.meta.url)), 'utf8'));

const FIXTURES: [Signal, string][] = [
  ['traces', 'trace'],
  ['metrics', 'metrics'],
  ['logs', 'logs'],
];

describe('OTLP/JSON fixtures', () => {
  it.each(FIXTURES)('%s: decode(encode(decode(x))) equals decode(x), through JSON text', (signal, name) => {
    const decoded = decodeSignal(signal, fixture(name));
    const text = JSON.stringify(encodeSignal(signal, decoded));
    expect(decodeSignal(signal, JSON.parse(text))).toEqual(decoded);
  });

  it('trace: exact ids, nanosecond timestamps and kind', () => {
    const t = decodeTraces(fixture('trace'));
    const rs = t.resourceSpans[0];
    expect(rs.resource.attributes.get('service.name')).toBe('my.service');
    expect(rs.scopeSpans[0].scope).toMatchObject({ name: 'my.library', version: '1.0.0' });
    expect(rs.scopeSpans[0].scope.attributes.get('my.scope.attribute')).toBe('some scope attribute');
    const span = rs.scopeSpans[0].spans[0];
    // Upper-case hex in the fixture is normalised to the model's lowercase.
    expect(span.traceId).toBe('5b8efff798038103d269b633813fc60c');
    expect(span.spanId).toBe('eee19b7ec3c1b174');
    expect(span.parentSpanId).toBe('eee19b7ec3c1b173');
    expect(span.kind).toBe(SpanKind.Server);
    // Beyond 2^53: a double would round these.
    expect(span.startTimeUnixNano).toBe(1544712660000000000n);
    expect(span.endTimeUnixNano).toBe(1544712661000000000n);
    expect(span.endTimeUnixNano - span.startTimeUnixNano).toBe(1_000_000_000n);
    expect(span.attributes.get('my.span.attr')).toBe('some value');
  });

  it('trace: encoded ids are lowercase hex and timestamps decimal strings', () => {
    const encoded = JSON.parse(JSON.stringify(encodeSignal('traces', decodeTraces(fixture('trace')))));
    const span = encoded.resourceSpans[0].scopeSpans[0].spans[0];
    expect(span.traceId).toBe('5b8efff798038103d269b633813fc60c');
    expect(span.startTimeUnixNano).toBe('1544712660000000000');
    expect(span.kind).toBe(2);
  });

  it('logs: every attribute keeps its type', () => {
    const r = decodeLogs(fixture('logs')).resourceLogs[0].scopeLogs[0].logRecords[0];
    expect(r.timeUnixNano).toBe(1544712660300000000n);
    expect(r.observedTimeUnixNano).toBe(1544712660300000000n);
    expect(r.severityNumber).toBe(10);
    expect(r.severityText).toBe('Information');
    expect(r.body).toBe('Example log record');
    expect(r.traceId).toBe('5b8efff798038103d269b633813fc60c');
    expect(r.attributes.get('string.attribute')).toBe('some string');
    expect(r.attributes.get('boolean.attribute')).toBe(true);
    expect(r.attributes.get('int.attribute')).toBe(10n);
    expect(r.attributes.get('double.attribute')).toBe(637.704);
    expect(r.attributes.get('array.attribute')).toEqual(['many', 'values']);
    expect(r.attributes.get('map.attribute')).toEqual(new Map([['some.map.key', 'some value']]));
  });

  it('metrics: all four kinds with exact values', () => {
    const metrics = decodeMetrics(fixture('metrics')).resourceMetrics[0].scopeMetrics[0].metrics;
    expect(metrics.map((m) => m.data.type)).toEqual(['sum', 'gauge', 'histogram', 'exponentialHistogram']);
    const [sum, gauge, histogram, exp] = metrics.map((m) => m.data);
    if (sum.type !== 'sum' || gauge.type !== 'gauge' || histogram.type !== 'histogram' || exp.type !== 'exponentialHistogram') {
      throw new Error('unexpected metric types');
    }
    expect(metrics[0]).toMatchObject({ name: 'my.counter', unit: '1', description: 'I am a Counter' });
    expect(sum.isMonotonic).toBe(true);
    expect(sum.aggregationTemporality).toBe(1);
    // asDouble 5 stays a double (number), never an int (bigint).
    expect(sum.dataPoints[0].value).toBe(5);
    expect(typeof sum.dataPoints[0].value).toBe('number');
    expect(sum.dataPoints[0].timeUnixNano).toBe(1544712660300000000n);
    expect(gauge.dataPoints[0].value).toBe(10);
    expect(gauge.dataPoints[0].startTimeUnixNano).toBe(0n);
    expect(histogram.dataPoints[0]).toMatchObject({ count: 2, sum: 2, bucketCounts: [1, 1], explicitBounds: [1], min: 0, max: 2 });
    expect(exp.dataPoints[0]).toMatchObject({
      count: 3,
      sum: 10,
      scale: 0,
      zeroCount: 1,
      positive: { offset: 1, bucketCounts: [0, 2] },
      negative: { offset: 0, bucketCounts: [] },
      min: 0,
      max: 5,
      zeroThreshold: 0,
    });
  });
});
