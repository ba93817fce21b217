// Builds the plugin: the server with tsc, the front end bundled by esbuild into dist/web
// (one app.js and one app.css, no CDN). Run from the repository's `npm run build`.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
// The plugin imports 'summit' as a vendor plugin does; inside this repository that package is
// the repository itself (what npm makes of a `file:../..` dependency).
const link = join(here, 'node_modules', 'summit');
if (!existsSync(link) && !lstatSync(link, { throwIfNoEntry: false })) {
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(join('..', '..', '..'), link, 'dir');
}
execFileSync(process.execPath, [join(here, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(here, 'tsconfig.json')], { stdio: 'inherit' });
await build({
  entryPoints: [join(here, 'web', 'main.ts')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  outfile: join(here, 'dist', 'web', 'app.js'),
  legalComments: 'none',
  logLevel: 'warning',
});
