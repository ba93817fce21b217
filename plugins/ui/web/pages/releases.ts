/**
 * Releases: per release its sessions and users and their crash-free rates (the sentry receiver's release health),
 * its new issues and their events (a release is where an issue was first seen), and the CI runs
 * that built it (its commit).
 */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.js';
import { ErrorText } from '../components.js';
import { ago, pct } from '../format.js';
import type { ReleaseHealth } from '../../server/metric-views.js';

interface Build {
  traceId: string;
  name: string;
  status: string;
  commit: string;
}
interface Release {
  release: string;
  newIssues: number;
  events: number;
  firstSeen: number | null;
  health: ReleaseHealth | null;
  builds: Build[];
}

const rate = (x: number | null | undefined) => (x === null || x === undefined ? '—' : pct(x));

export function Releases() {
  const [releases, setReleases] = useState<Release[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    get<{ releases: Release[] }>('/ui/api/releases').then((d) => setReleases(d.releases), (e: Error) => setError(e.message));
  }, []);
  return html`<section>
    <h1>Releases</h1>
    <${ErrorText} error=${error} />
    <table class="list releases">
      <thead><tr><th>Release</th><th>Sessions</th><th>Crash-free sessions</th><th>Error-free sessions</th><th>Users</th><th>Crash-free users</th><th>New issues</th><th>Their events</th><th>Built by</th><th>First issue</th></tr></thead>
      <tbody>
        ${(releases ?? []).map(
          (r) => html`<tr>
            <td><a href=${`/issues?q=${encodeURIComponent(`release:"${r.release}"`)}`}>${r.release}</a></td>
            <td>${r.health?.sessions ?? '—'}</td>
            <td class="crash-free">${rate(r.health?.crashFreeSessions)}</td>
            <td>${rate(r.health?.healthySessions)}</td>
            <td>${r.health?.users.users || '—'}</td>
            <td class="crash-free-users">${rate(r.health?.crashFreeUsers)}</td>
            <td>${r.newIssues}</td><td>${r.events}</td>
            <td class="builds">${r.builds.map((b) => html`<a href=${`/ci/${b.traceId}`} title=${b.commit}>${b.name} <span class=${`status ${b.status}`}>${b.status}</span></a> `)}</td>
            <td>${r.firstSeen === null ? '—' : ago(r.firstSeen)}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    <p class="muted">
      Sessions come from Sentry SDKs' release health (the sentry receiver's <code>sentry.sessions</code>) seen within 35 days; users are the distinct users (hashed) of sessions
      whose SDK set a user (<code>sentry.sessions.user</code>), crash-free when none of their sessions crashed. A release is built by the CI runs of the commit its name holds (the sha, or 7+ hex digits of it).
    </p>
  </section>`;
}
