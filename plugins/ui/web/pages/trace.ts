/**
 * A trace's waterfall: spans as bars on the trace's time axis, children under parents, the
 * critical path marked, details of the chosen span. Only the rows in view are rendered, so a
 * trace of 10,000 spans stays responsive.
 */
import { html } from 'htm/preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { SpanRow } from '../../server/rows.js';
import { get } from '../api.js';
import { ErrorText, KeyValues } from '../components.js';
import { duration, time } from '../format.js';

const ROW = 24;

interface Placed {
  span: SpanRow;
  depth: number;
}

/** Spans depth-first in start order (orphans as roots). */
function tree(spans: SpanRow[]): Placed[] {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string, SpanRow[]>();
  for (const s of spans) {
    const parent = ids.has(s.parentSpanId) ? s.parentSpanId : '';
    const list = children.get(parent);
    if (list) list.push(s);
    else children.set(parent, [s]);
  }
  const out: Placed[] = [];
  const stack: Placed[] = (children.get('') ?? []).map((span) => ({ span, depth: 0 })).reverse();
  while (stack.length) {
    const p = stack.pop()!;
    out.push(p);
    for (const c of [...(children.get(p.span.spanId) ?? [])].reverse()) stack.push({ span: c, depth: p.depth + 1 });
  }
  return out;
}

/** The critical path: from each root, the child that ends last, down to a leaf. */
function criticalPath(spans: SpanRow[]): Set<string> {
  const children = new Map<string, SpanRow[]>();
  for (const s of spans) {
    const list = children.get(s.parentSpanId);
    if (list) list.push(s);
    else children.set(s.parentSpanId, [s]);
  }
  const ids = new Set(spans.map((s) => s.spanId));
  const path = new Set<string>();
  for (const root of spans.filter((s) => !ids.has(s.parentSpanId))) {
    let at: SpanRow | undefined = root;
    while (at) {
      path.add(at.spanId);
      at = (children.get(at.spanId) ?? []).reduce<SpanRow | undefined>((best, c) => (!best || c.start + c.durationMs > best.start + best.durationMs ? c : best), undefined);
    }
  }
  return path;
}

export function Trace({ id }: { id: string }) {
  const [spans, setSpans] = useState<SpanRow[]>();
  const [error, setError] = useState<string>();
  const [chosen, setChosen] = useState<SpanRow>();
  const [top, setTop] = useState(0);
  useEffect(() => {
    get<{ spans: SpanRow[] }>(`/ui/api/traces/${id}`).then((d) => setSpans(d.spans), (e: Error) => setError(e.message));
  }, [id]);
  const placed = useMemo(() => tree(spans ?? []), [spans]);
  const critical = useMemo(() => criticalPath(spans ?? []), [spans]);
  if (!spans) return html`<${ErrorText} error=${error} />`;
  if (spans.length === 0) return html`<p class="muted">No spans of trace ${id} are held or stored.</p>`;
  const t0 = Math.min(...spans.map((s) => s.start));
  const total = Math.max(...spans.map((s) => s.start + s.durationMs)) - t0 || 1;
  const first = Math.max(0, Math.floor(top / ROW) - 10);
  const visible = placed.slice(first, first + 60);
  return html`<section class="trace">
    <h1>Trace <span class="mono">${id}</span></h1>
    <p class="muted">${spans.length} spans · ${duration(total)} · started ${time(t0)} · <span class="crit-key"></span> critical path</p>
    <div class="waterfall" onScroll=${(e: Event) => setTop((e.target as HTMLElement).scrollTop)}>
      <div style=${`height:${placed.length * ROW}px;position:relative`}>
        ${visible.map(({ span: s, depth }, i) => {
          const left = ((s.start - t0) / total) * 100;
          const width = Math.max(0.2, (s.durationMs / total) * 100);
          return html`<div key=${s.spanId} class=${`span-row ${chosen?.spanId === s.spanId ? 'focused' : ''}`} style=${`top:${(first + i) * ROW}px`} onClick=${() => setChosen(s)}>
            <div class="label" style=${`padding-left:${Math.min(depth, 30) * 12}px`}>${s.service} <b>${s.name}</b></div>
            <div class="lane"><div class=${`bar ${s.status === 'Error' ? 'error' : ''} ${critical.has(s.spanId) ? 'critical' : ''}`} style=${`left:${left}%;width:${width}%`}>${duration(s.durationMs)}</div></div>
          </div>`;
        })}
      </div>
    </div>
    ${chosen
      ? html`<div class="span-detail">
          <h2>${chosen.name} <span class="muted">${chosen.service} · ${chosen.kind} · ${duration(chosen.durationMs)} · ${chosen.status}${chosen.statusMessage ? `: ${chosen.statusMessage}` : ''}</span></h2>
          <h3>Attributes</h3><${KeyValues} data=${chosen.attributes} />
          <h3>Resource</h3><${KeyValues} data=${chosen.resource} />
          <h3>Events</h3>
          ${chosen.events.length === 0 ? html`<p class="muted">none</p>` : chosen.events.map((e) => html`<div class="event"><b>${e.name}</b> <span class="muted">${time(e.time)}</span>${e.attributes['issue.id'] ? html` <a href=${`/issues/${e.attributes['issue.id']}`}>issue</a>` : null}<${KeyValues} data=${e.attributes} /></div>`)}
          <h3>Links</h3>
          ${chosen.links.length === 0 ? html`<p class="muted">none</p>` : chosen.links.map((l) => html`<div><a class="mono" href=${`/traces/${l.traceId}`}>${l.traceId}</a> <span class="mono">${l.spanId}</span></div>`)}
        </div>`
      : html`<p class="muted">Click a span for its attributes, events and links.</p>`}
  </section>`;
}
