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

export const INDEX_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Summit</title><link rel="stylesheet" href="/assets/app.css"></head>
<body><div id="app"></div><script type="module" src="/assets/app.js"></script></body></html>
`;
