/** Log search (text, severity, service, attributes, time range) and a live tail that polls for new records. */
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { LogRow } from '../../server/rows.js';
import { get } from '../api.js';
import { ErrorText } from '../components.js';
import { time } from '../format.js';
import { navigate } from '../router.js';

const SEVERITIES: [string, number][] = [['any', 0], ['debug', 5], ['info', 9], ['warn', 13], ['error', 17], ['fatal', 21]];
const FIELDS = ['q', 'severity', 'service', 'attr', 'from', 'to'] as const;

export function Logs({ url }: { url: URL }) {
  const params = Object.fromEntries(FIELDS.map((f) => [f, url.searchParams.get(f) ?? '']));
  const [logs, setLogs] = useState<LogRow[]>([]);
  const [error, setError] = useState<string>();
  const [tail, setTail] = useState(false);
  const cursor = useRef(0);
  const query = () => ({ ...params, from: params.from ? String(Date.parse(params.from)) : '', to: params.to ? String(Date.parse(params.to)) : '' });
  useEffect(() => {
    get<{ logs: LogRow[]; cursor: number }>('/ui/api/logs', query()).then(
      (d) => (setLogs(d.logs), (cursor.current = d.cursor), setError(undefined)),
      (e: Error) => setError(e.message),
    );
  }, [url.search]);
  useEffect(() => {
    if (!tail) return;
    const timer = setInterval(() => {
      get<{ logs: LogRow[]; cursor: number }>('/ui/api/logs', { ...query(), after: cursor.current }).then((d) => {
        cursor.current = d.cursor;
        if (d.logs.length) setLogs((old) => [...d.logs, ...old].slice(0, 2000));
      }, (e: Error) => setError(e.message));
    }, 1000);
    return () => clearInterval(timer);
  }, [tail, url.search]);
  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const q = new URLSearchParams();
    for (const f of FIELDS) if (form.get(f) && form.get(f) !== '0') q.set(f, String(form.get(f)));
    navigate(`/logs?${q}`);
  };
  return html`<section>
    <h1>Logs</h1>
    <form class="toolbar wrap" onSubmit=${submit}>
      <input name="q" class="search" placeholder="text in the message" value=${params.q} aria-label="Search logs" />
      <select name="severity" value=${params.severity || '0'} aria-label="Minimum severity">${SEVERITIES.map(([n, v]) => html`<option value=${v}>${n}</option>`)}</select>
      <input name="service" placeholder="service" value=${params.service} aria-label="Service" />
      <input name="attr" placeholder="attribute=value" value=${params.attr} aria-label="Attribute" />
      <input name="from" type="datetime-local" value=${params.from} aria-label="From" />
      <input name="to" type="datetime-local" value=${params.to} aria-label="To" />
      <button type="submit">Search</button>
      <label><input type="checkbox" checked=${tail} onChange=${() => setTail(!tail)} /> Live tail</label>
    </form>
    <${ErrorText} error=${error} />
    <table class="list logs">
      <thead><tr><th>Time</th><th>Severity</th><th>Service</th><th>Message</th></tr></thead>
      <tbody>
        ${logs.map(
          (l) => html`<tr>
            <td class="mono">${time(l.time)}</td><td class=${`sev s${Math.floor((l.severityNumber - 1) / 4)}`}>${l.severityText || l.severityNumber}</td><td>${l.service}</td>
            <td class="message">${l.body}${l.traceId ? html` <a href=${`/traces/${l.traceId}`}>trace</a>` : null}${l.attributes['issue.id'] ? html` <a href=${`/issues/${l.attributes['issue.id']}`}>issue</a>` : null}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${logs.length === 0 ? html`<p class="muted">No log records match.</p>` : null}
  </section>`;
}
