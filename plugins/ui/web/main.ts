/** The single-page app: session check, navigation, theme, and the page for the address. */
import { html } from 'htm/preact';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get, post, setCsrf } from './api.js';
import { CiRun, CiRuns } from './pages/ci.js';
import { Issue } from './pages/issue.js';
import { Issues } from './pages/issues.js';
import { Login } from './pages/login.js';
import { Logs } from './pages/logs.js';
import { Releases } from './pages/releases.js';
import { Services } from './pages/services.js';
import { Trace } from './pages/trace.js';
import { Traces } from './pages/traces.js';
import { navigate, onLinkClick, useLocation } from './router.js';
import './style.css';

interface SessionInfo {
  user: string;
  csrf: string;
  issues: boolean;
}

const NAV: [string, string][] = [['/issues', 'Issues'], ['/traces', 'Traces'], ['/logs', 'Logs'], ['/services', 'Services'], ['/ci', 'CI'], ['/releases', 'Releases']];

function Page({ url }: { url: URL }) {
  const p = url.pathname;
  let m: RegExpExecArray | null;
  if ((m = /^\/issues\/([0-9a-f]{32})$/.exec(p))) return html`<${Issue} id=${m[1]} />`;
  if ((m = /^\/traces\/([0-9a-f]{32})$/.exec(p))) return html`<${Trace} id=${m[1]} />`;
  if ((m = /^\/ci\/([0-9a-f]{32})$/.exec(p))) return html`<${CiRun} id=${m[1]} />`;
  if (p === '/traces') return html`<${Traces} url=${url} />`;
  if (p === '/logs') return html`<${Logs} url=${url} />`;
  if (p === '/services') return html`<${Services} />`;
  if (p === '/ci') return html`<${CiRuns} />`;
  if (p === '/releases') return html`<${Releases} />`;
  return html`<${Issues} url=${url} />`;
}

function App() {
  const url = useLocation();
  const [session, setSession] = useState<SessionInfo | null>();
  const [theme, setTheme] = useState(localStorage.getItem('theme') ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'));
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem('theme', theme);
  }, [theme]);
  useEffect(() => {
    if (url.pathname === '/login') return setSession(null);
    get<SessionInfo>('/ui/api/session').then((s) => (setCsrf(s.csrf), setSession(s)), () => setSession(null));
  }, []);
  if (session === null || (session === undefined && url.pathname === '/login')) return html`<${Login} onLogin=${() => (location.href = '/issues')} />`;
  // the server sent this page to a caller it let in: the page loads its data while the session (user, CSRF token) comes
  const logout = async () => {
    await post('/ui/api/logout', {});
    location.href = '/login';
  };
  return html`<div class="app" onClick=${onLinkClick}>
    <nav>
      <a class="brand" href="/issues">Summit</a>
      ${NAV.map(([href, label]) => html`<a href=${href} class=${url.pathname.startsWith(href) ? 'active' : ''}>${label}</a>`)}
      <span class="spacer"></span>
      <button class="link" onClick=${() => setTheme(theme === 'dark' ? 'light' : 'dark')} aria-label="Toggle theme">${theme === 'dark' ? '☀' : '☾'}</button>
      <span class="muted">${session?.user}</span>
      <button class="link" onClick=${logout}>Log out</button>
    </nav>
    <main><${Page} url=${url} /></main>
  </div>`;
}

if (location.pathname === '/') navigate('/issues');
render(html`<${App} />`, document.getElementById('app')!);
