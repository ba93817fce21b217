/**
 * A trace's waterfall: spans as bars on the trace's time axis, children under parents (subtrees
 * fold), the critical path marked, details of the chosen span. The server lays the rows out
 * (server/waterfall.ts) and sends only what they draw; the page renders only the rows in view
 * and fetches a span's attributes when it is chosen, so a trace of 10,000 spans stays responsive.
 */
import { html } from 'htm/preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { SpanRow } from '../../server/rows.js';
import { CRITICAL, ERROR, type Waterfall } from '../../server/waterfall.js';
import { get } from '../api.js';
import { ErrorText, KeyValues } from '../components.js';
import { duration, time } from '../format.js';

const ROW = 24;
/** Rows drawn above and below the ones in view, so a scroll step rarely shows an empty band. */
const OVERSCAN = 10;

/** Indices of the rows shown: all but those inside a folded subtree. */
function shownRows(w: Waterfall, folded: Set<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < w.rows.length; i = folded.has(i) ? w.rows[i][2] : i + 1) out.push(i);
  return out;
}

function SpanDetail({ traceId, spanId }: { traceId: string; spanId: string }) {
  const [span, setSpan] = useState<SpanRow>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    setSpan(undefined);
    get<SpanRow>(`/ui/api/traces/${traceId}/spans/${spanId}`).then(setSpan, (e: Error) => setError(e.message));
  }, [traceId, spanId]);
  if (!span) return html`<${ErrorText} error=${error} />`;
  return html`<div class="span-detail">
    <h2>${span.name} <span class="muted">${span.service} · ${span.kind} · ${duration(span.durationMs)} · ${span.status}${span.statusMessage ? `: ${span.statusMessage}` : ''}</span></h2>
    <h3>Attributes</h3><${KeyValues} data=${span.attributes} />
    <h3>Resource</h3><${KeyValues} data=${span.resource} />
    <h3>Events</h3>
    ${span.events.length === 0 ? html`<p class="muted">none</p>` : span.events.map((e) => html`<div class="event"><b>${e.name}</b> <span class="muted">${time(e.time)}</span>${e.attributes['issue.id'] ? html` <a href=${`/issues/${e.attributes['issue.id']}`}>issue</a>` : null}<${KeyValues} data=${e.attributes} /></div>`)}
    <h3>Links</h3>
    ${span.links.length === 0 ? html`<p class="muted">none</p>` : span.links.map((l) => html`<div><a class="mono" href=${`/traces/${l.traceId}`}>${l.traceId}</a> <span class="mono">${l.spanId}</span></div>`)}
  </div>`;
}

export function Trace({ id }: { id: string }) {
  const [data, setData] = useState<Waterfall>();
  const [error, setError] = useState<string>();
  const [chosen, setChosen] = useState<string>();
  const [folded, setFolded] = useState<Set<number>>(new Set());
  const [top, setTop] = useState(0);
  const [height, setHeight] = useState(600);
  useEffect(() => {
    setData(undefined);
    setFolded(new Set());
    get<Waterfall>(`/ui/api/traces/${id}`).then(setData, (e: Error) => setError(e.message));
  }, [id]);
  const shown = useMemo(() => (data ? shownRows(data, folded) : []), [data, folded]);
  if (!data) return html`<${ErrorText} error=${error} />`;
  if (data.rows.length === 0) return html`<p class="muted">No spans of trace ${id} are held or stored.</p>`;
  const total = data.totalMs || 1;
  const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
  const last = Math.min(shown.length, Math.ceil((top + height) / ROW) + OVERSCAN);
  const fold = (i: number) => {
    const next = new Set(folded);
    if (!next.delete(i)) next.add(i);
    setFolded(next);
  };
  const onScroll = (e: Event) => {
    const box = e.target as HTMLElement;
    setTop(box.scrollTop);
    setHeight(box.clientHeight);
  };
  return html`<section class="trace">
    <h1>Trace <span class="mono">${id}</span></h1>
    <p class="muted">${data.rows.length} spans · ${duration(total)} · started ${time(data.t0)} · <span class="crit-key"></span> critical path</p>
    <div class="waterfall" onScroll=${onScroll}>
      <div style=${`height:${shown.length * ROW}px;position:relative`}>
        ${shown.slice(first, last).map((i, k) => {
          const [spanId, depth, end, name, service, offset, ms, flags] = data.rows[i];
          const left = (offset / total) * 100;
          const width = Math.max(0.2, (ms / total) * 100);
          return html`<div key=${spanId} class=${`span-row ${chosen === spanId ? 'focused' : ''}`} style=${`top:${(first + k) * ROW}px`} onClick=${() => setChosen(spanId)}>
            <div class="label" style=${`padding-left:${Math.min(depth, 30) * 12}px`}>${end > i + 1
              ? html`<button class="fold" aria-label=${folded.has(i) ? 'Unfold' : 'Fold'} aria-expanded=${!folded.has(i)} onClick=${(e: Event) => (e.stopPropagation(), fold(i))}>${folded.has(i) ? '▸' : '▾'}</button>`
              : html`<span class="fold-none"></span>`}${data.services[service]} <b>${data.names[name]}</b>${folded.has(i) ? html` <span class="muted">+${end - i - 1}</span>` : null}</div>
            <div class="lane"><div class=${`bar ${flags & ERROR ? 'error' : ''} ${flags & CRITICAL ? 'critical' : ''}`} style=${`left:${left}%;width:${width}%`}>${duration(ms)}</div></div>
          </div>`;
        })}
      </div>
    </div>
    ${chosen ? html`<${SpanDetail} traceId=${id} spanId=${chosen} />` : html`<p class="muted">Click a span for its attributes, events and links.</p>`}
  </section>`;
}
