/** The issue list: Sentry's search syntax, sort, sparklines, bulk resolve/ignore, keyboard navigation. */
import { html } from 'htm/preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { get, post } from '../api.js';
import { ErrorText, Sparkline, useListKeys } from '../components.js';
import { ago } from '../format.js';
import { navigate } from '../router.js';

export interface IssueRow {
  id: string;
  project: string;
  title: string;
  culprit: string;
  status: string;
  level: string | null;
  firstSeen: number;
  lastSeen: number;
  events: number;
  users: number;
  lastRelease: string | null;
  spark24: number[];
  spark14: number[];
}

export function Issues({ url }: { url: URL }) {
  const q = url.searchParams.get('q') ?? 'is:unresolved';
  const sort = url.searchParams.get('sort') ?? 'last_seen';
  const offset = Number(url.searchParams.get('offset') ?? 0);
  const [period, setPeriod] = useState<'24h' | '14d'>('24h');
  const [data, setData] = useState<{ issues: IssueRow[]; more: boolean }>();
  const [error, setError] = useState<string>();
  const [selected, setSelected] = useState(new Set<string>());
  const [reload, setReload] = useState(0);

  useEffect(() => {
    get<{ issues: IssueRow[]; more: boolean }>('/ui/api/issues', { q, sort, offset })
      .then((d) => (setData(d), setError(undefined)))
      .catch((e: Error) => setError(e.message));
  }, [q, sort, offset, reload]);

  const issues = data?.issues ?? [];
  const go = (params: Record<string, string | number>) => {
    const u = new URLSearchParams({ q, sort, offset: String(offset), ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])) });
    navigate(`/issues?${u}`);
  };
  const toggle = useCallback(
    (i: number) =>
      setSelected((s) => {
        const n = new Set(s);
        const id = issues[i].id;
        if (n.has(id)) n.delete(id);
        else n.add(id);
        return n;
      }),
    [issues],
  );
  const focus = useListKeys(issues.length, useCallback((i: number) => navigate(`/issues/${issues[i].id}`), [issues]), toggle);

  const bulk = async (status: string) => {
    try {
      await post('/ui/api/issues/status', { ids: [...selected], status });
      setSelected(new Set());
      setReload((n) => n + 1);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return html`<section>
    <h1>Issues</h1>
    <form class="toolbar" onSubmit=${(e: Event) => (e.preventDefault(), go({ q: String(new FormData(e.target as HTMLFormElement).get('q')), offset: 0 }))}>
      <input name="q" class="search" value=${q} aria-label="Search issues" placeholder="is:unresolved release:1.0 environment:prod level:error text" />
      <select aria-label="Sort" value=${sort} onChange=${(e: Event) => go({ sort: (e.target as HTMLSelectElement).value, offset: 0 })}>
        <option value="last_seen">Last seen</option><option value="first_seen">First seen</option>
        <option value="events">Events</option><option value="users">Users</option>
      </select>
      <select aria-label="Sparkline period" value=${period} onChange=${(e: Event) => setPeriod((e.target as HTMLSelectElement).value as '24h' | '14d')}>
        <option value="24h">24h</option><option value="14d">14d</option>
      </select>
      <button type="submit">Search</button>
    </form>
    <div class="toolbar">
      <button disabled=${selected.size === 0} onClick=${() => bulk('resolved')}>Resolve selected</button>
      <button disabled=${selected.size === 0} onClick=${() => bulk('ignored')}>Ignore selected</button>
      <span class="muted">${selected.size} selected · j/k move, x select, Enter open</span>
    </div>
    <${ErrorText} error=${error} />
    <table class="list issues">
      <thead><tr><th></th><th>Issue</th><th>Graph</th><th>Events</th><th>Users</th><th>Last seen</th><th>First seen</th></tr></thead>
      <tbody>
        ${issues.map(
          (i, n) => html`<tr key=${i.id} class=${n === focus ? 'focused' : ''}>
            <td><input type="checkbox" aria-label="Select" checked=${selected.has(i.id)} onChange=${() => toggle(n)} /></td>
            <td><a href=${`/issues/${i.id}`} class="title">${i.title}</a><div class="muted">${i.culprit} · <span class=${`level ${i.level ?? 'error'}`}>${i.level ?? 'error'}</span> · ${i.status}${i.lastRelease ? ` · ${i.lastRelease}` : ''}</div></td>
            <td><${Sparkline} values=${period === '24h' ? i.spark24 : i.spark14} label=${`events over ${period}`} /></td>
            <td>${i.events}</td><td>${i.users}</td><td>${ago(i.lastSeen)}</td><td>${ago(i.firstSeen)}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${data && issues.length === 0 ? html`<p class="muted">No issues match.</p>` : null}
    <div class="toolbar">
      <button disabled=${offset === 0} onClick=${() => go({ offset: Math.max(0, offset - 50) })}>Previous</button>
      <button disabled=${!data?.more} onClick=${() => go({ offset: offset + 50 })}>Next</button>
    </div>
  </section>`;
}
