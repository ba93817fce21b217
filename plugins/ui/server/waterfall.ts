/**
 * A trace's waterfall laid out once, on the server: spans in display order (depth-first, children
 * by start time, orphans as roots) with their depth, where their subtree ends (so the page folds
 * a subtree by skipping a range) and the critical path. Only what the rows draw is sent — ~60
 * bytes a span instead of every attribute — and the page asks for one span's details when it is
 * chosen, so a 10,000-span trace is a small answer and no work for the browser beyond the rows
 * in view.
 */
import type { SpanRow } from './rows.js';

export const ERROR = 1;
export const CRITICAL = 2;

/** `[span id, depth, index after its subtree, name index, service index, start offset ms, duration ms, ERROR | CRITICAL bits]` */
export type WaterfallRow = [spanId: string, depth: number, end: number, name: number, service: number, offsetMs: number, durationMs: number, flags: number];

export interface Waterfall {
  /** Start of the earliest span (ms since the epoch). */
  t0: number;
  /** From the earliest start to the latest end (ms). */
  totalMs: number;
  names: string[];
  services: string[];
  rows: WaterfallRow[];
}

/** Microsecond precision is what the bars and labels show; fewer digits make a smaller answer. */
const us = (ms: number) => Math.round(ms * 1000) / 1000;

function interned(): { list: string[]; index(s: string): number } {
  const at = new Map<string, number>();
  const list: string[] = [];
  return {
    list,
    index(s) {
      let i = at.get(s);
      if (i === undefined) at.set(s, (i = list.push(s) - 1));
      return i;
    },
  };
}

/** The critical path: from each root, the child that ends last, down to a leaf. */
function criticalPath(roots: SpanRow[], children: Map<string, SpanRow[]>): Set<string> {
  const path = new Set<string>();
  for (const root of roots) {
    for (let at: SpanRow | undefined = root; at && !path.has(at.spanId); ) {
      path.add(at.spanId);
      let last: SpanRow | undefined;
      for (const c of children.get(at.spanId) ?? []) if (!last || c.start + c.durationMs > last.start + last.durationMs) last = c;
      at = last;
    }
  }
  return path;
}

export function waterfall(spans: SpanRow[]): Waterfall {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const ids = new Set(sorted.map((s) => s.spanId));
  const roots: SpanRow[] = [];
  const children = new Map<string, SpanRow[]>();
  for (const s of sorted) {
    if (!ids.has(s.parentSpanId) || s.parentSpanId === s.spanId) roots.push(s);
    else {
      const list = children.get(s.parentSpanId);
      if (list) list.push(s);
      else children.set(s.parentSpanId, [s]);
    }
  }
  const critical = criticalPath(roots, children);
  const t0 = sorted.length ? sorted[0].start : 0;
  const totalMs = sorted.reduce((end, s) => Math.max(end, s.start + s.durationMs), t0) - t0;
  const names = interned();
  const services = interned();
  const rows: WaterfallRow[] = [];
  /** Rows whose subtree is still open, innermost last: closed (their end set) when a row of their depth or less comes. */
  const open: number[] = [];
  const placed = new Set<string>();
  const place = (root: SpanRow) => {
    const stack = [{ span: root, depth: 0 }];
    while (stack.length) {
      const { span: s, depth } = stack.pop()!;
      if (placed.has(s.spanId)) continue; // a span id seen twice, or a cycle of parents
      placed.add(s.spanId);
      while (open.length && rows[open[open.length - 1]][1] >= depth) rows[open.pop()!][2] = rows.length;
      open.push(rows.length);
      const flags = (s.status === 'Error' ? ERROR : 0) | (critical.has(s.spanId) ? CRITICAL : 0);
      rows.push([s.spanId, depth, 0, names.index(s.name), services.index(s.service), us(s.start - t0), us(s.durationMs), flags]);
      const kids = children.get(s.spanId) ?? [];
      for (let k = kids.length - 1; k >= 0; k--) stack.push({ span: kids[k], depth: depth + 1 });
    }
  };
  for (const root of roots) place(root);
  // spans whose parents form a cycle have no root above them: shown as roots rather than lost
  for (const s of sorted) if (!placed.has(s.spanId)) place(s);
  for (const i of open) rows[i][2] = rows.length;
  return { t0, totalMs: us(totalMs), names: names.list, services: services.list, rows };
}
