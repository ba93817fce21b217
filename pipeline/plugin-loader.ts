import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from './component.js';
import { PluginError } from './registry.js';

/**
 * Imports a plugin named in config: a path (relative to the config file's directory) to a
 * module or a package folder, or an npm package name found in node_modules above that
 * directory or the working directory. The module exports { name, apiVersion, factories },
 * as named exports or as its default export.
 */
export async function loadPlugin(spec: string, baseDir: string): Promise<{ plugin: Plugin; source: string }> {
  const file = resolvePluginFile(spec, baseDir);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw new PluginError(`plugin "${spec}": cannot import ${file}: ${(err as Error)?.message ?? err}`);
  }
  const candidate = (mod.factories === undefined && mod.default && typeof mod.default === 'object' ? mod.default : mod) as Plugin;
  return { plugin: { name: candidate.name, apiVersion: candidate.apiVersion, factories: candidate.factories }, source: file };
}

function resolvePluginFile(spec: string, baseDir: string): string {
  const looksLikePath = spec.startsWith('.') || isAbsolute(spec) || spec.includes('\\');
  if (looksLikePath) {
    const target = resolve(baseDir, spec);
    if (!existsSync(target)) throw new PluginError(`plugin "${spec}": ${target} does not exist`);
    return statSync(target).isDirectory() ? packageEntry(target, spec) : target;
  }
  for (const start of [baseDir, process.cwd()]) {
    for (let dir = resolve(start); ; dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules', spec);
      if (existsSync(join(candidate, 'package.json'))) return packageEntry(candidate, spec);
      if (dirname(dir) === dir) break;
    }
  }
  throw new PluginError(`plugin "${spec}": no package of that name in node_modules above ${baseDir}; install it with npm install ${spec}`);
}

/** The ESM entry of a package folder: exports["."] (import/default condition), then main, then index.js. */
function packageEntry(dir: string, spec: string): string {
  const pkgFile = join(dir, 'package.json');
  if (!existsSync(pkgFile)) return join(dir, 'index.js');
  let pkg: { main?: string; exports?: unknown };
  try {
    pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
  } catch (err) {
    throw new PluginError(`plugin "${spec}": ${pkgFile} is not valid JSON: ${(err as Error).message}`);
  }
  const entry = exportTarget(pkg.exports) ?? pkg.main ?? 'index.js';
  const file = resolve(dir, entry);
  if (!existsSync(file)) throw new PluginError(`plugin "${spec}": its entry ${file} does not exist (is the plugin built?)`);
  return file;
}

function exportTarget(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports;
  if (!exports || typeof exports !== 'object') return undefined;
  const root = (exports as Record<string, unknown>)['.'] ?? exports;
  if (typeof root === 'string') return root;
  if (root && typeof root === 'object') {
    const conditions = root as Record<string, unknown>;
    for (const c of ['import', 'node', 'default']) {
      const t = exportTarget(conditions[c]);
      if (t) return t;
    }
  }
  return undefined;
}
