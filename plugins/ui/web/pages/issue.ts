/** An issue: its symbolicated stack with source lines, breadcrumbs, tags, context, events, trace, triage. */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get, post } from '../api.js';
import { ErrorText, KeyValues, Sparkline } from '../components.js';
import { ago, time } from '../format.js';

interface Frame {
  filename?: string;
  abs_path?: string;
  module?: string;
  function?: string;
  lineno?: number;
  colno?: number;
  in_app?: boolean;
  context_line?: string;
  pre_context?: string[];
  post_context?: string[];
}
interface ExceptionValue {
  type?: string;
  value?: string;
  stacktrace?: { frames?: Frame[] };
}
type SentryEvent = Record<string, any>;
interface StoredEvent {
  pk: number;
  eventId: string | null;
  time: number;
  event: SentryEvent;
}
interface Detail {
  id: string;
  title: string;
  culprit: string;
  status: string;
  level: string | null;
  events: number;
  users: number;
  firstSeen: number;
  lastSeen: number;
  firstRelease: string | null;
  lastRelease: string | null;
  releases: string[];
  environments: string[];
  resolvedInRelease: string | null;
  tags: { key: string; values: { value: string; count: number }[] }[];
  samples: { pk: number; time: number }[];
  latestEvent: StoredEvent | null;
  spark24: number[];
  spark14: number[];
}

function FrameView({ frame }: { frame: Frame }) {
  const where = `${frame.filename ?? frame.abs_path ?? frame.module ?? '?'}${frame.lineno ? `:${frame.lineno}` : ''}${frame.colno ? `:${frame.colno}` : ''}`;
  const head = html`<span class="fn">${frame.function ?? '<anonymous>'}</span> <span class="muted">${where}</span>${frame.in_app ? html` <span class="badge">in app</span>` : null}`;
  const pre = (frame.pre_context ?? []).slice(-5);
  const post = (frame.post_context ?? []).slice(0, 5);
  const first = (frame.lineno ?? 0) - pre.length;
  const source =
    frame.context_line !== undefined
      ? html`<ol class="source" start=${first}>
          ${pre.map((l) => html`<li><code>${l}</code></li>`)}
          <li class="current"><code>${frame.context_line}</code></li>
          ${post.map((l) => html`<li><code>${l}</code></li>`)}
        </ol>`
      : null;
  return html`<details class=${`frame ${frame.in_app ? 'in-app' : ''}`} open=${frame.in_app === true}><summary>${head}</summary>${source ?? html`<p class="muted">no source lines</p>`}</details>`;
}

function Stack({ event }: { event: SentryEvent }) {
  const values: ExceptionValue[] = event.exception?.values ?? [];
  if (values.length === 0) return html`<p class="muted">no stack trace</p>`;
  return html`${[...values].reverse().map(
    (v) => html`<div class="exception">
      <h3><span class="type">${v.type ?? 'Error'}</span>: <span class="message">${v.value ?? ''}</span></h3>
      ${[...(v.stacktrace?.frames ?? [])].reverse().map((f) => html`<${FrameView} frame=${f} />`)}
    </div>`,
  )}`;
}

function Breadcrumbs({ event }: { event: SentryEvent }) {
  const crumbs: Record<string, any>[] = Array.isArray(event.breadcrumbs) ? event.breadcrumbs : (event.breadcrumbs?.values ?? []);
  if (crumbs.length === 0) return html`<p class="muted">none</p>`;
  return html`<table class="list"><tbody>
    ${crumbs.slice(-50).map((c) => html`<tr><td class="muted">${typeof c.timestamp === 'number' ? time(c.timestamp * 1000) : String(c.timestamp ?? '')}</td><td>${c.category ?? c.type ?? ''}</td><td>${c.level ?? ''}</td><td>${c.message ?? (c.data ? JSON.stringify(c.data) : '')}</td></tr>`)}
  </tbody></table>`;
}

function Ignore({ act }: { act: (body: Record<string, unknown>) => void }) {
  const [kind, setKind] = useState('forever');
  const [n, setN] = useState('100');
  const [until, setUntil] = useState('');
  const body = () => (kind === 'count' ? { count: Number(n) } : kind === 'users' ? { users: Number(n) } : kind === 'until' ? { untilMs: Date.parse(until) } : {});
  return html`<span class="ignore">
    <select aria-label="Ignore" value=${kind} onChange=${(e: Event) => setKind((e.target as HTMLSelectElement).value)}>
      <option value="forever">forever</option><option value="count">for N more events</option><option value="users">for N more users</option><option value="until">until…</option>
    </select>
    ${kind === 'count' || kind === 'users' ? html`<input aria-label="N" type="number" min="1" value=${n} onInput=${(e: Event) => setN((e.target as HTMLInputElement).value)} />` : null}
    ${kind === 'until' ? html`<input aria-label="Until" type="datetime-local" value=${until} onInput=${(e: Event) => setUntil((e.target as HTMLInputElement).value)} />` : null}
    <button onClick=${() => act({ status: 'ignored', ...body() })}>Ignore</button>
  </span>`;
}

export function Issue({ id }: { id: string }) {
  const [issue, setIssue] = useState<Detail>();
  const [event, setEvent] = useState<StoredEvent | null>(null);
  const [error, setError] = useState<string>();
  const [reload, setReload] = useState(0);
  useEffect(() => {
    get<Detail>(`/ui/api/issues/${id}`)
      .then((d) => (setIssue(d), setEvent(d.latestEvent)))
      .catch((e: Error) => setError(e.message));
  }, [id, reload]);
  if (!issue) return html`<${ErrorText} error=${error} />`;
  const act = async (body: Record<string, unknown>) => {
    try {
      await post('/ui/api/issues/status', { ids: [id], ...body });
      setError(undefined);
      setReload((n) => n + 1);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const index = event ? issue.samples.findIndex((s) => s.pk === event.pk) : -1;
  const open = (i: number) => get<StoredEvent>(`/ui/api/issues/${id}/events/${issue.samples[i].pk}`).then(setEvent, (e: Error) => setError(e.message));
  const ev = event?.event ?? {};
  const traceId: string | undefined = ev.contexts?.trace?.trace_id;
  return html`<section class="issue">
    <h1 class="title">${issue.title}</h1>
    <p class="muted">${issue.culprit}</p>
    <div class="toolbar">
      <span class=${`status ${issue.status}`}>${issue.status.replace(/_/g, ' ')}${issue.resolvedInRelease ? ` (after ${issue.resolvedInRelease})` : ''}</span>
      ${issue.status === 'unresolved'
        ? html`<button onClick=${() => act({ status: 'resolved' })}>Resolve</button>
            <button onClick=${() => act({ status: 'resolved_in_next_release' })}>Resolve in next release</button>
            <${Ignore} act=${act} />`
        : html`<button onClick=${() => act({ status: 'unresolved' })}>Reopen</button>`}
    </div>
    <${ErrorText} error=${error} />
    <div class="facts">
      <div><b>${issue.events}</b> events</div><div><b>${issue.users}</b> users</div>
      <div>first seen ${ago(issue.firstSeen)}${issue.firstRelease ? ` in ${issue.firstRelease}` : ''}</div>
      <div>last seen ${ago(issue.lastSeen)}${issue.lastRelease ? ` in ${issue.lastRelease}` : ''}</div>
      <div>24h <${Sparkline} values=${issue.spark24} label="events over 24 hours" /></div>
      <div>14d <${Sparkline} values=${issue.spark14} label="events over 14 days" /></div>
    </div>
    <div class="columns">
      <div class="main">
        <div class="toolbar">
          <button disabled=${index <= 0} onClick=${() => open(index - 1)}>Newer event</button>
          <span class="muted">event ${event?.eventId ?? event?.pk ?? ''} ${event ? time(event.time) : ''}</span>
          <button disabled=${index < 0 || index >= issue.samples.length - 1} onClick=${() => open(index + 1)}>Older event</button>
          ${traceId ? html`<a class="button" href=${`/traces/${traceId}`}>Open trace</a>` : null}
        </div>
        <h2>Stack trace</h2>
        <${Stack} event=${ev} />
        <h2>Breadcrumbs</h2>
        <${Breadcrumbs} event=${ev} />
        <h2>Request</h2>
        <${KeyValues} data=${ev.request} />
        <h2>Contexts</h2>
        <${KeyValues} data=${ev.contexts} />
      </div>
      <aside>
        <h2>User</h2>
        <${KeyValues} data=${ev.user} />
        <h2>Tags</h2>
        ${issue.tags.map((t) => {
          const total = t.values.reduce((n, v) => n + v.count, 0) || 1;
          return html`<div class="tag"><b>${t.key}</b>
            ${t.values.slice(0, 5).map((v) => html`<div class="bar"><span style=${`width:${(v.count / total) * 100}%`}></span><label>${v.value} · ${Math.round((v.count / total) * 100)}%</label></div>`)}
          </div>`;
        })}
      </aside>
    </div>
  </section>`;
}
