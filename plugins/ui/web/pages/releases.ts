/** Releases: new issues and their events per release (a release is where an issue was first seen). */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.js';
import { ErrorText } from '../components.js';
import { ago } from '../format.js';

interface Release {
  release: string;
  newIssues: number;
  events: number;
  firstSeen: number;
}

export function Releases() {
  const [releases, setReleases] = useState<Release[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    get<{ releases: Release[] }>('/ui/api/releases').then((d) => setReleases(d.releases), (e: Error) => setError(e.message));
  }, []);
  return html`<section>
    <h1>Releases</h1>
    <${ErrorText} error=${error} />
    <table class="list">
      <thead><tr><th>Release</th><th>New issues</th><th>Their events</th><th>First issue</th></tr></thead>
      <tbody>
        ${(releases ?? []).map((r) => html`<tr><td><a href=${`/issues?q=${encodeURIComponent(`release:"${r.release}"`)}`}>${r.release}</a></td><td>${r.newIssues}</td><td>${r.events}</td><td>${ago(r.firstSeen)}</td></tr>`)}
      </tbody>
    </table>
  </section>`;
}
