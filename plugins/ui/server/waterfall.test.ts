import { describe, expect, it } from 'vitest';
import type { SpanRow } from './rows.js';
import { CRITICAL, ERROR, waterfall } from './waterfall.js';

const span = (spanId: string, parentSpanId: string, start: number, durationMs: number, status: SpanRow['status'] = 'Unset'): SpanRow => ({
  traceId: 't',
  spanId,
  parentSpanId,
  name: `op ${spanId}`,
  service: 'svc',
  kind: 'Internal',
  start,
  durationMs,
  status,
  statusMessage: '',
  attributes: {},
  resource: {},
  events: [],
  links: [],
});

describe('waterfall', () => {
  it('orders depth-first by start, marks where each subtree ends, the critical path and errors', () => {
    const w = waterfall([span('c', 'a', 1005, 10), span('a', '', 1000, 50), span('b', 'a', 1001, 40, 'Error'), span('d', 'b', 1002, 5), span('o', 'gone', 1003, 1)]);
    expect(w.rows.map(([id, depth, end, , , offset, ms, flags]) => [id, depth, end, offset, ms, flags])).toEqual([
      ['a', 0, 4, 0, 50, CRITICAL],
      ['b', 1, 3, 1, 40, ERROR | CRITICAL],
      ['d', 2, 3, 2, 5, CRITICAL],
      ['c', 1, 4, 5, 10, 0],
      ['o', 0, 5, 3, 1, CRITICAL], // an orphan is a root of its own
    ]);
    expect([w.t0, w.totalMs, w.names[w.rows[3][3]], w.services]).toEqual([1000, 50, 'op c', ['svc']]);
  });

  it('shows spans whose parents form a cycle, and a repeated span id once', () => {
    const w = waterfall([span('x', 'y', 1, 1), span('y', 'x', 2, 1), span('r', '', 0, 5), span('r', '', 0, 5)]);
    expect(w.rows.map(([id, depth, end]) => [id, depth, end])).toEqual([
      ['r', 0, 1],
      ['x', 0, 3],
      ['y', 1, 3],
    ]);
  });
});
