/** CI: pipeline runs from the github/gitlab receivers' spans, and one run's Gantt chart of jobs, queue time and steps. */
import { html } from 'htm/preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { get } from '../api.js';
import { ErrorText, useListKeys } from '../components.js';
import { duration, time } from '../format.js';
import { navigate } from '../router.js';

interface Run {
  traceId: string;
  name: string;
  status: string;
  start: number;
  durationMs: number;
  branch: string;
  commit: string;
}
interface Bar {
  spanId: string;
  name: string;
  type: string;
  start: number;
  durationMs: number;
  status: string;
}

export function CiRuns() {
  const [runs, setRuns] = useState<Run[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    get<{ runs: Run[] }>('/ui/api/ci/runs').then((d) => setRuns(d.runs), (e: Error) => setError(e.message));
  }, []);
  const list = runs ?? [];
  const focus = useListKeys(list.length, useCallback((i: number) => navigate(`/ci/${list[i].traceId}`), [list]));
  return html`<section>
    <h1>CI runs</h1>
    <${ErrorText} error=${error} />
    <table class="list">
      <thead><tr><th>Pipeline</th><th>Status</th><th>Branch</th><th>Commit</th><th>Duration</th><th>Started</th></tr></thead>
      <tbody>
        ${list.map(
          (r, i) => html`<tr class=${i === focus ? 'focused' : ''}>
            <td><a href=${`/ci/${r.traceId}`}>${r.name}</a></td><td class=${`status ${r.status}`}>${r.status}</td><td>${r.branch}</td><td class="mono">${r.commit.slice(0, 10)}</td>
            <td>${duration(r.durationMs)}</td><td>${time(r.start)}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${runs && list.length === 0 ? html`<p class="muted">No pipeline runs yet (the github and gitlab receivers make them).</p>` : null}
  </section>`;
}

export function CiRun({ id }: { id: string }) {
  const [bars, setBars] = useState<Bar[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    get<{ bars: Bar[] }>(`/ui/api/ci/runs/${id}`).then((d) => setBars(d.bars), (e: Error) => setError(e.message));
  }, [id]);
  if (!bars) return html`<${ErrorText} error=${error} />`;
  if (bars.length === 0) return html`<p class="muted">No CI spans of run ${id} are held.</p>`;
  const t0 = Math.min(...bars.map((b) => b.start));
  const total = Math.max(...bars.map((b) => b.start + b.durationMs)) - t0 || 1;
  const slowest = bars.filter((b) => b.type === 'job').sort((a, b) => b.durationMs - a.durationMs).slice(0, 5);
  return html`<section>
    <h1>CI run</h1>
    <p class="muted">${duration(total)} · started ${time(t0)}</p>
    <div class="gantt" role="list" aria-label="Gantt chart">
      ${bars.map(
        (b) => html`<div class=${`gantt-row ${b.type}`} role="listitem">
          <div class="label">${b.type === 'step' ? '  ' : ''}${b.name}</div>
          <div class="lane"><div class=${`bar ${b.type} ${/fail|error/i.test(b.status) ? 'error' : ''}`} style=${`left:${((b.start - t0) / total) * 100}%;width:${Math.max(0.3, (b.durationMs / total) * 100)}%`} title=${`${b.type} ${b.status} ${duration(b.durationMs)}`}>${duration(b.durationMs)}</div></div>
        </div>`,
      )}
    </div>
    <h2>Slowest jobs</h2>
    <ol>${slowest.map((b) => html`<li>${b.name} — ${duration(b.durationMs)}</li>`)}</ol>
  </section>`;
}
