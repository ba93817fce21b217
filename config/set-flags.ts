import { parse } from 'yaml';
import { redactUrl } from '../pipeline/redact.js';
import type { LocationTree, Origin } from './locations.js';
import { isSecretPath, REDACTED } from './secrets.js';
import { isMap, setOwn } from './values.js';
import { YAML_OPTIONS } from './yaml-file.js';

export interface SetFlag {
  path: string[];
  value: unknown;
}

/**
 * Parses `path=value`: the path split on `::` (upstream's delimiter) or, when it has none, on
 * `.`; the value read as YAML, so `[debug]` is a list and `2` a number. Throws on a bad flag.
 */
export function parseSetFlag(flag: string): SetFlag {
  const eq = flag.indexOf('=');
  if (eq < 0) throw new Error(`invalid --set "${redactUrl(flag)}": expected path=value, e.g. processors::batch::timeout=2s`);
  const key = flag.slice(0, eq);
  const path = key.split(key.includes('::') ? '::' : '.');
  // the flag as it may be quoted in a message: a secret value is not
  const shown = redactUrl(isSecretPath(path) ? `${key}=${REDACTED}` : flag);
  if (path.some((s) => s === '')) throw new Error(`invalid --set "${shown}": the path "${key}" has an empty segment`);
  let value: unknown;
  try {
    value = parse(flag.slice(eq + 1), YAML_OPTIONS);
  } catch (err) {
    // YAML's message can quote the text it stumbled on
    const why = isSecretPath(path) ? '' : `: ${redactUrl((err as Error).message.split('\n')[0])}`;
    throw new Error(`invalid --set "${shown}": the value is not valid YAML${why}`);
  }
  return { path, value };
}

/**
 * Sets one flag's value into the config. Only the keys the flag creates or replaces take its
 * origin: a flag tweaking one key of a component defined in a file leaves the component's own
 * position (and the directory its relative paths resolve against) with that file.
 */
export function applySetFlag(root: Record<string, unknown>, tree: LocationTree, flag: SetFlag, origin: Origin): void {
  let cur = root;
  for (let i = 0; i < flag.path.length - 1; i++) {
    const seg = flag.path[i];
    const sub = flag.path.slice(0, i + 1);
    const next = Object.hasOwn(cur, seg) ? cur[seg] : undefined;
    if (isMap(next)) {
      cur = next;
      continue;
    }
    const created: Record<string, unknown> = {};
    setOwn(cur, seg, created);
    // A key written with nothing after it (null) becomes a map and keeps its place in the file.
    const keep = next === null ? tree.node(sub)?.origin : undefined;
    tree.graft(sub, { origin: keep ?? origin, children: new Map() });
    cur = created;
  }
  const last = flag.path[flag.path.length - 1];
  setOwn(cur, last, flag.value);
  tree.graft(flag.path, { origin, children: new Map() });
}
