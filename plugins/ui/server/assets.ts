/** The bundled front end (dist/web, made by build.mjs), held in memory with a gzip copy of each file. */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

export interface Asset {
  type: string;
  body: Buffer;
  gzip: Buffer;
}

export function loadAssets(dir: URL): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of ['app.js', 'app.css']) {
    let body: Buffer;
    try {
      body = readFileSync(new URL(name, dir));
    } catch (err) {
      throw new Error(`the UI's ${name} is missing from ${dir.pathname} (is the plugin built? npm run build): ${(err as Error).message}`);
    }
    assets.set(`/assets/${name}`, { type: TYPES[name.slice(name.lastIndexOf('.'))], body, gzip: gzipSync(body, { level: 9 }) });
  }
  return assets;
}

const indexHtml = (head: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Summit</title><link rel="stylesheet" href="/assets/app.css">${head}</head>
<body><div id="app"></div><script type="module" src="/assets/app.js"></script></body></html>
`;

export const INDEX_HTML = indexHtml('');

const TRACE_PAGE = /^\/traces\/([0-9a-f]{32})$/;

/**
 * The page for `path`. A trace's page has the browser fetch the trace's waterfall while it loads
 * the script (a preload the page's own request then takes), instead of after the script ran and
 * the session was checked: the longest wait of a large trace starts at once.
 */
export function pageHtml(path: string): string {
  const trace = TRACE_PAGE.exec(path);
  // `crossorigin` (anonymous) is the credentials mode of the page's same-origin fetch: without it the preload goes unused
  return trace ? indexHtml(`<link rel="preload" href="/ui/api/traces/${trace[1]}" as="fetch" crossorigin>`) : INDEX_HTML;
}
