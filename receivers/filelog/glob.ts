/**
 * The file matching of upstream's `include` / `exclude` (doublestar globs): `*`, `?`, `[...]`,
 * `{a,b}` within one path segment, `**` across any number of them.
 */
import { readdir } from 'node:fs/promises';
import { join, sep } from 'node:path';

function segmentToRegex(seg: string): string {
  let out = '';
  for (let i = 0; i < seg.length; i++) {
    const ch = seg[i];
    if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else if (ch === '[') {
      const end = seg.indexOf(']', i + 1);
      if (end < 0) out += '\\[';
      else {
        const body = seg.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        out += `[${body}]`;
        i = end;
      }
    } else if (ch === '{') {
      const end = seg.indexOf('}', i + 1);
      if (end < 0) out += '\\{';
      else {
        out += `(?:${seg
          .slice(i + 1, end)
          .split(',')
          .map(segmentToRegex)
          .join('|')})`;
        i = end;
      }
    } else out += ch.replace(/[.+^$()|\\]/g, '\\$&');
  }
  return out;
}

/** A regular expression matching the whole path the glob describes. */
export function globToRegExp(glob: string): RegExp {
  const parts = glob.split('/');
  let re = '';
  parts.forEach((p, i) => {
    const last = i === parts.length - 1;
    if (p === '**') re += last ? '.*' : '(?:[^/]*/)*';
    else re += segmentToRegex(p) + (last ? '' : '/');
  });
  return new RegExp(`^${re}$`);
}

const MAGIC = /[*?[{]/;

/** The directory a glob's matches all live under (its leading segments without wildcards). */
function staticRoot(glob: string): string {
  const parts = glob.split('/');
  const fixed: string[] = [];
  for (const p of parts.slice(0, -1)) {
    if (MAGIC.test(p)) break;
    fixed.push(p);
  }
  return fixed.join('/') || (glob.startsWith('/') ? '/' : '.');
}

/** Whether a directory can still lead to a match, so walks prune early. */
function dirCanMatch(glob: string, dir: string): boolean {
  const g = glob.split('/');
  const d = dir.split('/');
  for (let i = 0; i < d.length; i++) {
    if (i >= g.length - 1) return false;
    if (g[i] === '**') return true;
    if (!new RegExp(`^${segmentToRegex(g[i])}$`).test(d[i])) return false;
  }
  return true;
}

/** Every regular-looking path (files, FIFOs, sockets; not directories) matching one of `include` and none of `exclude`, sorted. */
export async function findFiles(include: string[], exclude: string[]): Promise<string[]> {
  const excluded = exclude.map(globToRegExp);
  const found = new Set<string>();
  for (const glob of include.map((g) => g.split(sep).join('/'))) {
    if (!MAGIC.test(glob)) {
      found.add(glob);
      continue;
    }
    const re = globToRegExp(glob);
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return; // a directory that vanished or cannot be listed has no matches
      }
      for (const e of entries) {
        const path = dir === '/' ? `/${e.name}` : join(dir, e.name).split(sep).join('/');
        if (e.isDirectory()) {
          if (dirCanMatch(glob, path)) await walk(path);
        } else if (re.test(path)) found.add(path);
      }
    };
    await walk(staticRoot(glob));
  }
  return [...found].filter((p) => !excluded.some((re) => re.test(p))).sort();
}
