/** Trace search: service, span name, duration range, status, attributes, time range; a duration histogram. */
import { html } from 'htm/preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { get } from '../api.js';
import { ErrorText, useListKeys } from '../components.js';
import { duration, time } from '../format.js';
import { navigate } from '../router.js';

interface Result {
  traceId: string;
  service: string;
  name: string;
  start: number;
  durationMs: number;
  error: boolean;
}

const FIELDS = ['service', 'name', 'minMs', 'maxMs', 'status', 'attr', 'from', 'to'] as const;

export function Traces({ url }: { url: URL }) {
  const params = Object.fromEntries(FIELDS.map((f) => [f, url.searchParams.get(f) ?? '']));
  const [data, setData] = useState<{ traces: Result[]; histogram: { le: number; count: number }[] }>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    const q = { ...params, from: params.from ? String(Date.parse(params.from)) : '', to: params.to ? String(Date.parse(params.to)) : '' };
    get<typeof data>('/ui/api/traces', q).then((d) => (setData(d), setError(undefined)), (e: Error) => setError(e.message));
  }, [url.search]);
  const traces = data?.traces ?? [];
  const focus = useListKeys(traces.length, useCallback((i: number) => navigate(`/traces/${traces[i].traceId}`), [traces]));
  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const q = new URLSearchParams();
    for (const f of FIELDS) if (form.get(f)) q.set(f, String(form.get(f)));
    navigate(`/traces?${q}`);
  };
  const max = Math.max(1, ...(data?.histogram ?? []).map((h) => h.count));
  return html`<section>
    <h1>Traces</h1>
    <form class="toolbar wrap" onSubmit=${submit}>
      <input name="service" placeholder="service" value=${params.service} aria-label="Service" />
      <input name="name" placeholder="span name" value=${params.name} aria-label="Span name" />
      <input name="minMs" placeholder="min ms" value=${params.minMs} size="6" aria-label="Minimum duration (ms)" />
      <input name="maxMs" placeholder="max ms" value=${params.maxMs} size="6" aria-label="Maximum duration (ms)" />
      <select name="status" value=${params.status} aria-label="Status"><option value="">any status</option><option>Error</option><option>Ok</option><option>Unset</option></select>
      <input name="attr" placeholder="attribute=value" value=${params.attr} aria-label="Attribute" />
      <input name="from" type="datetime-local" value=${params.from} aria-label="From" />
      <input name="to" type="datetime-local" value=${params.to} aria-label="To" />
      <button type="submit">Search</button>
    </form>
    <${ErrorText} error=${error} />
    <div class="histogram" aria-label="Duration histogram">
      ${(data?.histogram ?? []).map((h) => html`<div class="col" title=${`≤ ${duration(h.le)}: ${h.count}`}><span style=${`height:${(h.count / max) * 60}px`}></span><label>≤${duration(h.le)}</label></div>`)}
    </div>
    <table class="list">
      <thead><tr><th>Trace</th><th>Service</th><th>Duration</th><th>Start</th></tr></thead>
      <tbody>
        ${traces.map(
          (t, i) => html`<tr key=${t.traceId} class=${i === focus ? 'focused' : ''}>
            <td><a href=${`/traces/${t.traceId}`}>${t.name}</a> ${t.error ? html`<span class="badge error">error</span>` : null}<div class="muted mono">${t.traceId}</div></td>
            <td>${t.service}</td><td>${duration(t.durationMs)}</td><td>${time(t.start)}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${data && traces.length === 0 ? html`<p class="muted">No traces match.</p>` : null}
  </section>`;
}
