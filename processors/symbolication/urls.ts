/**
 * How a frame's path names an artifact, as Sentry's symbolicator matches release files: the
 * URL as it is, then without its query string, then `~/` + its path (`~/` stands for any
 * scheme and host, what `sentry-cli sourcemaps upload` writes by default), then `~/` + each
 * shorter tail of the path, so a Node.js file `/srv/app/dist/app.js` finds `~/dist/app.js` or
 * `~/app.js` uploaded from the build directory.
 */

const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;
/** Stands in for `~` while the URL class resolves relative references. */
const TILDE_BASE = 'http://tilde.invalid';

function stripQuery(url: string): string {
  const cut = url.search(/[?#]/);
  return cut < 0 ? url : url.slice(0, cut);
}

/** The path of a URL, `~/` path or file path, without query. */
export function pathOf(url: string): string {
  const plain = stripQuery(url);
  if (plain.startsWith('~/')) return plain.slice(1);
  if (!SCHEME.test(plain)) return plain;
  try {
    return decodeURIComponent(new URL(plain).pathname);
  } catch {
    return plain;
  }
}

/** Names to look the file up by, most specific first. */
export function candidateUrls(absPath: string): string[] {
  const out = [absPath];
  const add = (u: string) => {
    if (!out.includes(u)) out.push(u);
  };
  const plain = stripQuery(absPath);
  add(plain);
  const path = pathOf(absPath);
  if (!absPath.startsWith('~/')) {
    const query = absPath.slice(plain.length);
    if (query) add(`~${path}${query}`);
    add(`~${path}`);
  }
  const parts = path.split('/').filter(Boolean);
  for (let i = 1; i < parts.length; i++) add(`~/${parts.slice(i).join('/')}`);
  return out;
}

/** `ref` (a sourceMappingURL, a `sourcemap` header, a map's source) resolved against `base`. */
export function resolveUrl(base: string, ref: string): string {
  if (SCHEME.test(ref) || ref.startsWith('~/')) return ref;
  if (base.startsWith('~/')) return `~${new URL(ref, TILDE_BASE + base.slice(1)).pathname}`;
  if (SCHEME.test(base)) {
    try {
      return new URL(ref, base).href;
    } catch {
      return ref;
    }
  }
  // a file path: resolved as a file: URL, so `..` stops at the root
  const resolved = decodeURIComponent(new URL(ref, `file://${base.startsWith('/') ? '' : '/'}${encodeURI(base)}`).pathname);
  return base.startsWith('/') ? resolved : resolved.slice(1);
}

/** Whether `url` is an http(s) URL of an allowed origin (`https://host:port`, `host`, `*.domain`). */
export function originAllowed(url: string, allowed: readonly string[]): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  return allowed.some((a) => {
    const withScheme = /^https?:\/\//.test(a);
    const hostPart = withScheme ? a.replace(/^https?:\/\//, '') : a;
    if (withScheme && !a.startsWith(u.protocol)) return false;
    const [host, port] = hostPart.split(':');
    if (port !== undefined && port !== (u.port || (u.protocol === 'https:' ? '443' : '80'))) return false;
    if (host.startsWith('*.')) return u.hostname.endsWith(host.slice(1));
    return u.hostname === host.toLowerCase();
  });
}
