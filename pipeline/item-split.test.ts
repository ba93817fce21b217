import { describe, expect, it } from 'vitest';
import { gaugeOf, newResource, newScope, newSpan } from './builders.js';
import { countItems } from './model-ops.js';
import type { Metrics, Traces } from './model.js';
import { SHAPES, slicesOf, takeItems } from './item-split.js';

// Small deterministic PRNG so a failure reproduces.
function rng(seed: number) {
  return (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
}

function randomTraces(rand: (n: number) => number): Traces {
  let id = 0;
  return {
    resourceSpans: Array.from({ length: rand(4) }, () => ({
      resource: newResource(),
      schemaUrl: '',
      // Empty scopes and resources included: they must survive splitting without counting.
      scopeSpans: Array.from({ length: rand(4) }, () => ({
        scope: newScope(),
        schemaUrl: '',
        spans: Array.from({ length: rand(4) }, () => newSpan({ name: String(id++) })),
      })),
    })),
  };
}

const names = (t: Traces) => t.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name)));

describe('takeItems', () => {
  it('splits after exactly n items, keeping every item once and in order', () => {
    const rand = rng(7);
    const shape = SHAPES.traces;
    for (let round = 0; round < 300; round++) {
      const input = randomTraces(rand);
      const total = countItems('traces', input);
      const n = rand(total + 1);
      const [head, tail] = takeItems(shape.levels, shape.top(input), n);
      const h = shape.wrap(head);
      const t = shape.wrap(tail);
      expect(countItems('traces', h)).toBe(n);
      expect([...names(h), ...names(t)]).toEqual(names(input));
      // Resources are shared by reference, in order, at most one of them cut in two.
      const resources = [...h.resourceSpans, ...t.resourceSpans].map((rs) => rs.resource);
      const original = input.resourceSpans.map((rs) => rs.resource);
      expect(new Set(resources)).toEqual(new Set(original));
      expect(resources.length - original.length).toBeLessThanOrEqual(1);
    }
  });

  it('cuts a metric between data points, both halves keeping name and type', () => {
    const metrics: Metrics = {
      resourceMetrics: [{ resource: newResource(), schemaUrl: '', scopeMetrics: [{ scope: newScope(), schemaUrl: '', metrics: [gaugeOf('g', [1, 2, 3])] }] }],
    };
    const shape = SHAPES.metrics;
    const [head, tail] = takeItems(shape.levels, shape.top(metrics), 1);
    const first = shape.wrap(head).resourceMetrics[0].scopeMetrics[0].metrics[0];
    const rest = shape.wrap(tail).resourceMetrics[0].scopeMetrics[0].metrics[0];
    expect([first.name, first.data.type, first.data.dataPoints.length]).toEqual(['g', 'gauge', 1]);
    expect([rest.name, rest.data.type, rest.data.dataPoints.length]).toEqual(['g', 'gauge', 2]);
    expect(metrics.resourceMetrics[0].scopeMetrics[0].metrics[0].data.dataPoints).toHaveLength(3);
  });
});

describe('slicesOf', () => {
  it('cuts data into consecutive parts of at most max items, every item once and in order', () => {
    const rand = rng(11);
    for (let round = 0; round < 200; round++) {
      const input = randomTraces(rand);
      const total = countItems('traces', input);
      const max = 1 + rand(Math.max(1, total));
      const parts = [...slicesOf('traces', input, max)];
      expect(parts.map((p) => countItems('traces', p)).every((n) => n <= max)).toBe(true);
      expect(parts.length).toBe(Math.max(1, Math.ceil(total / max)));
      expect(parts.flatMap(names)).toEqual(names(input));
    }
  });

  it('passes data of at most max items on as it is', () => {
    const input = randomTraces(rng(3));
    const parts = [...slicesOf('traces', input, countItems('traces', input))];
    expect(parts).toHaveLength(1);
    expect(parts[0]).toBe(input);
  });
});
