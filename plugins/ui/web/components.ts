/** Pieces the pages share: sparklines, uPlot time series, keyboard-driven lists, key-value tables. */
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export function Sparkline({ values, label }: { values: number[]; label: string }) {
  const max = Math.max(1, ...values);
  const w = 80;
  const h = 20;
  const bw = w / values.length;
  return html`<svg class="spark" width=${w} height=${h} role="img" aria-label=${label}>
    ${values.map((v, i) => html`<rect x=${i * bw} y=${h - (v / max) * h} width=${Math.max(1, bw - 1)} height=${(v / max) * h}><title>${v}</title></rect>`)}
  </svg>`;
}

/** A uPlot chart of series over time (x: seconds since the epoch). */
export function TimeChart({ title, x, series }: { title: string; x: number[]; series: { label: string; values: number[]; color: string }[] }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const plot = new uPlot(
      { title, width: 420, height: 180, series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5 }))], axes: [{ stroke: 'currentColor' }, { stroke: 'currentColor' }] },
      [x, ...series.map((s) => s.values)],
      el.current,
    );
    return () => plot.destroy();
  }, [title, JSON.stringify(x), JSON.stringify(series)]);
  return html`<div class="chart" ref=${el}></div>`;
}

/**
 * Keyboard navigation of a list: j/↓ and k/↑ move, Enter opens, x toggles the selection
 * (when the list has one). The focused row scrolls into view.
 */
export function useListKeys(count: number, open: (i: number) => void, toggle?: (i: number) => void): number {
  const [focus, setFocus] = useState(0);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || e.metaKey || e.ctrlKey || e.altKey) return;
      if (e.key === 'j' || e.key === 'ArrowDown') setFocus((f) => Math.min(count - 1, f + 1));
      else if (e.key === 'k' || e.key === 'ArrowUp') setFocus((f) => Math.max(0, f - 1));
      else if (e.key === 'Enter' && count > 0) open(focus);
      else if (e.key === 'x' && toggle && count > 0) toggle(focus);
      else return;
      e.preventDefault();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [count, focus, open, toggle]);
  useEffect(() => {
    document.querySelector('.focused')?.scrollIntoView({ block: 'nearest' });
  }, [focus]);
  return Math.min(focus, Math.max(0, count - 1));
}

export function KeyValues({ data }: { data: Record<string, unknown> | undefined | null }) {
  if (!data || Object.keys(data).length === 0) return html`<p class="muted">none</p>`;
  return html`<table class="kv">
    ${Object.entries(data).map(([k, v]) => html`<tr><th>${k}</th><td>${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}</td></tr>`)}
  </table>`;
}

export function ErrorText({ error }: { error: string | undefined }) {
  return error ? html`<p class="error" role="alert">${error}</p>` : null;
}
