/**
 * Where a worker thread's module is. A worker cannot load TypeScript, and under vitest the
 * component runs from its .ts source: the worker then runs the compiled module from dist/,
 * which `npm test` builds first (its pretest script).
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** `file` next to the module at `moduleUrl` (its import.meta.url), compiled. */
export function workerScript(moduleUrl: string, file: string): URL {
  const modulePath = fileURLToPath(moduleUrl);
  if (!modulePath.endsWith('.ts')) return new URL(file, moduleUrl);
  let root = dirname(modulePath);
  while (!existsSync(join(root, 'package.json'))) {
    const up = dirname(root);
    if (up === root) throw new Error(`no package.json above ${modulePath}: cannot find the compiled ${file}`);
    root = up;
  }
  const compiled = join(root, 'dist', relative(root, dirname(modulePath)), file);
  if (!existsSync(compiled)) throw new Error(`${compiled} is missing: run \`npm run build\` (npm test does) before running the tests`);
  return pathToFileURL(compiled);
}
