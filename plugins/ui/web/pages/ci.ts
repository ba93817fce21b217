/**
 * CI: pipeline runs from the github/gitlab receivers' spans, the cicd connector's flaky tests
 * and DORA trends, and one run's Gantt chart of jobs, queue time and steps.
 */
import { html } from 'htm/preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { get } from '../api.js';
import { ErrorText, TimeChart, useListKeys } from '../components.js';
import { duration, pct, time } from '../format.js';
import { navigate } from '../router.js';
import type { DoraDay, Evidence, FlakyTest } from '../../server/metric-views.js';

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
    <${Dora} />
    <${FlakyTests} />
  </section>`;
}

const latest = (values: (number | null)[]) => values.filter((v) => v !== null).at(-1) ?? null;

/** Seconds as the DORA report writes them. */
const seconds = (s: number | null) => (s === null ? '—' : duration(s * 1000));

function Dora() {
  const [days, setDays] = useState<DoraDay[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    get<{ days: DoraDay[] }>('/ui/api/ci/dora', { days: 30 }).then((d) => setDays(d.days), (e: Error) => setError(e.message));
  }, []);
  if (!days) return html`<${ErrorText} error=${error} />`;
  const deployed = days.reduce((n, d) => n + d.deployments, 0);
  const failed = days.reduce((n, d) => n + d.failedDeployments, 0);
  const changeFailures = days.reduce((n, d) => n + d.changeFailures, 0);
  const x = days.map((d) => d.day / 1000);
  const nulls = (v: (number | null)[]) => v as number[]; // uPlot leaves a gap at null
  return html`<div class="dora">
    <h2>DORA (30 days, production)</h2>
    ${deployed + failed === 0
      ? html`<p class="muted">No production deployments seen (the cicd connector's dora metrics).</p>`
      : html`<div class="facts">
          <span>Deployments <b class="deploys">${deployed}</b> (${(deployed / days.length).toFixed(2)}/day)</span>
          <span>Change failure rate <b class="cfr">${pct(changeFailures / (deployed + failed))}</b></span>
          <span>Last lead time p50 <b>${seconds(latest(days.map((d) => d.leadTimeP50)))}</b></span>
          <span>Last recovery p50 <b>${seconds(latest(days.map((d) => d.recoveryTimeP50)))}</b></span>
        </div>
        <div class="charts">
          <${TimeChart} title="Deployments / day" x=${x} series=${[{ label: 'succeeded', values: days.map((d) => d.deployments), color: '#1f9d55' }, { label: 'failed', values: days.map((d) => d.failedDeployments), color: '#e5484d' }]} />
          <${TimeChart} title="Lead time for changes p50 (h)" x=${x} series=${[{ label: 'lead time', values: nulls(days.map((d) => (d.leadTimeP50 === null ? null : d.leadTimeP50 / 3600))), color: '#4c8bf5' }]} />
          <${TimeChart} title="Change failure rate (%)" x=${x} series=${[{ label: 'rate', values: nulls(days.map((d) => (d.changeFailureRate === null ? null : d.changeFailureRate * 100))), color: '#f5a524' }]} />
          <${TimeChart} title="Failed deployment recovery p50 (h)" x=${x} series=${[{ label: 'recovery', values: nulls(days.map((d) => (d.recoveryTimeP50 === null ? null : d.recoveryTimeP50 / 3600))), color: '#8e4ec6' }]} />
        </div>`}
  </div>`;
}

/** Where an outcome was seen: the run (a link to its Gantt chart when its trace id is one) and the try. */
function Where({ e }: { e: Evidence }) {
  const label = `${e.run_id ? `run ${e.run_id}${e.run_attempt ? ` attempt ${e.run_attempt}` : ''}` : 'a run'}${e.test_attempt ? ` (try ${e.test_attempt})` : ''}`;
  return e.trace_id && /^[0-9a-f]{32}$/.test(e.trace_id) ? html`<a href=${`/ci/${e.trace_id}`}>${label}</a>` : html`<span>${label}</span>`;
}

function FlakyTests() {
  const [tests, setTests] = useState<FlakyTest[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    get<{ tests: FlakyTest[] }>('/ui/api/ci/flaky').then((d) => setTests(d.tests), (e: Error) => setError(e.message));
  }, []);
  return html`<div>
    <h2>Flaky tests</h2>
    <${ErrorText} error=${error} />
    ${tests && tests.length === 0
      ? html`<p class="muted">No flaky tests found (a test that passed and failed on one commit; the cicd connector reports them).</p>`
      : html`<table class="list flaky">
          <thead><tr><th>Test</th><th>Repository</th><th>Commit</th><th>Failed in</th><th>Passed in</th><th>Found</th></tr></thead>
          <tbody>
            ${(tests ?? []).map(
              (t) => html`<tr>
                <td><span class="test">${t.test}</span>${t.suite ? html`<div class="muted">${t.suite}</div>` : null}</td>
                <td>${t.repository}</td><td class="mono">${t.commit.slice(0, 10)}</td>
                <td class="failed"><${Where} e=${t.failed} /></td><td class="passed"><${Where} e=${t.passed} /></td><td>${time(t.time)}</td>
              </tr>`,
            )}
          </tbody>
        </table>`}
  </div>`;
}

interface BuiltRelease {
  release: string;
  newIssues: number;
  events: number;
  health: { crashFreeSessions: number | null } | null;
}

/** The releases this run built (their names hold its commit) and the errors they had. */
function BuiltReleases({ releases }: { releases: BuiltRelease[] }) {
  if (releases.length === 0) return null;
  return html`<div class="built">
    <h2>Releases built</h2>
    <ul>
      ${releases.map(
        (r) => html`<li>
          <a href=${`/issues?q=${encodeURIComponent(`release:"${r.release}"`)}`}>${r.release}</a>: ${r.newIssues} new issues, ${r.events} events${r.health?.crashFreeSessions == null ? '' : `, ${pct(r.health.crashFreeSessions)} crash-free sessions`}
        </li>`,
      )}
    </ul>
  </div>`;
}

export function CiRun({ id }: { id: string }) {
  const [bars, setBars] = useState<Bar[]>();
  const [releases, setReleases] = useState<BuiltRelease[]>([]);
  const [error, setError] = useState<string>();
  useEffect(() => {
    get<{ bars: Bar[]; releases: BuiltRelease[] }>(`/ui/api/ci/runs/${id}`).then((d) => (setBars(d.bars), setReleases(d.releases)), (e: Error) => setError(e.message));
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
    <${BuiltReleases} releases=${releases} />
  </section>`;
}
