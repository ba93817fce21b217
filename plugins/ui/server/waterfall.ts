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

/**
 * Spans by index into `sorted` (ordered by start): each one's children in start order (packed:
 * `kids[first[i]] … kids[first[i + 1] - 1]`), and the roots — spans whose parent is not held or
 * is themselves. A span id held twice is kept once (its first), so it shows once.
 */
function tree(sorted: SpanRow[]): { first: Int32Array; kids: Int32Array; roots: number[]; kept: Uint8Array } {
  const n = sorted.length;
  const index = new Map<string, number>();
  const kept = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (index.has(sorted[i].spanId)) continue;
    index.set(sorted[i].spanId, i);
    kept[i] = 1;
  }
  const parent = new Int32Array(n).fill(-1);
  const first = new Int32Array(n + 1);
  const roots: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!kept[i]) continue;
    const p = index.get(sorted[i].parentSpanId);
    if (p === undefined || p === i) roots.push(i);
    else first[(parent[i] = p) + 1]++;
  }
  for (let i = 0; i < n; i++) first[i + 1] += first[i];
  const filled = first.slice(0, n);
  const kids = new Int32Array(first[n]);
  for (let i = 0; i < n; i++) if (parent[i] >= 0) kids[filled[parent[i]]++] = i;
  return { first, kids, roots, kept };
}

/** The critical path: from each root, the child that ends last, down to a leaf. */
function criticalPath(sorted: SpanRow[], roots: number[], first: Int32Array, kids: Int32Array): Uint8Array {
  const path = new Uint8Array(sorted.length);
  const end = (i: number) => sorted[i].start + sorted[i].durationMs;
  for (const root of roots) {
    for (let at = root; at >= 0 && !path[at]; ) {
      path[at] = 1;
      let last = -1;
      for (let k = first[at]; k < first[at + 1]; k++) if (last < 0 || end(kids[k]) > end(last)) last = kids[k];
      at = last;
    }
  }
  return path;
}

/** Laid out with indices and typed arrays, not maps of span ids: a 10,000-span trace is a page's critical wait. */
export function waterfall(spans: SpanRow[]): Waterfall {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const { first, kids, roots, kept } = tree(sorted);
  const critical = criticalPath(sorted, roots, first, kids);
  const t0 = sorted.length ? sorted[0].start : 0;
  const totalMs = sorted.reduce((end, s) => Math.max(end, s.start + s.durationMs), t0) - t0;
  const names = interned();
  const services = interned();
  const rows: WaterfallRow[] = [];
  /** Rows whose subtree is still open, innermost last: closed (their end set) when a row of their depth or less comes. */
  const open: number[] = [];
  const placed = new Uint8Array(sorted.length);
  const stack: number[] = [];
  const depths: number[] = [];
  const place = (root: number) => {
    stack.push(root);
    depths.push(0);
    while (stack.length) {
      const i = stack.pop()!;
      const depth = depths.pop()!;
      if (placed[i]) continue; // a cycle of parents
      placed[i] = 1;
      while (open.length && rows[open[open.length - 1]][1] >= depth) rows[open.pop()!][2] = rows.length;
      open.push(rows.length);
      const s = sorted[i];
      const flags = (s.status === 'Error' ? ERROR : 0) | (critical[i] ? CRITICAL : 0);
      rows.push([s.spanId, depth, 0, names.index(s.name), services.index(s.service), us(s.start - t0), us(s.durationMs), flags]);
      for (let k = first[i + 1] - 1; k >= first[i]; k--) {
        stack.push(kids[k]);
        depths.push(depth + 1);
      }
    }
  };
  for (const root of roots) place(root);
  // spans whose parents form a cycle have no root above them: shown as roots rather than lost
  for (let i = 0; i < sorted.length; i++) if (kept[i] && !placed[i]) place(i);
  for (const i of open) rows[i][2] = rows.length;
  return { t0, totalMs: us(totalMs), names: names.list, services: services.list, rows };
}
