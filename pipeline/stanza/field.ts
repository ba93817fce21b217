/**
 * Upstream stanza's field syntax: `body`, `body.key.sub`, `attributes.key`,
 * `attributes["key.with.dots"]`, `resource.key` (the older `$body`-style prefixes too).
 */
import type { Entry, Fields } from './entry.js';

export interface Field {
  root: 'body' | 'attributes' | 'resource';
  keys: string[];
  text: string;
}

export function parseField(text: string): Field {
  const m = /^\$?(body|attributes|resource|record)((?:\.[^.[\]]+|\[\s*(?:"[^"]*"|'[^']*')\s*\])*)$/.exec(text.trim());
  if (!m) throw new Error(`invalid field "${text}": expected body, body.KEY, attributes.KEY, attributes["KEY"] or resource.KEY`);
  const root = (m[1] === 'record' ? 'body' : m[1]) as Field['root'];
  const keys = [...m[2].matchAll(/\.([^.[\]]+)|\[\s*(?:"([^"]*)"|'([^']*)')\s*\]/g)].map((k) => k[1] ?? k[2] ?? k[3]);
  return { root, keys, text };
}

const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

export function getField(e: Entry, f: Field): unknown {
  let v: unknown = e[f.root];
  for (const k of f.keys) {
    if (!isObject(v)) return undefined;
    v = v[k];
  }
  return v;
}

export function setField(e: Entry, f: Field, value: unknown): void {
  if (f.keys.length === 0) {
    if (f.root === 'body') e.body = value;
    else e[f.root] = isObject(value) ? { ...value } : {};
    return;
  }
  if (f.root === 'body' && !isObject(e.body)) e.body = {};
  let obj = e[f.root] as Fields;
  for (const k of f.keys.slice(0, -1)) {
    if (!isObject(obj[k])) obj[k] = {};
    obj = obj[k] as Fields;
  }
  obj[f.keys[f.keys.length - 1]] = value;
}

/** Removes a field and returns its value (undefined when it was not there). */
export function deleteField(e: Entry, f: Field): unknown {
  if (f.keys.length === 0) {
    const v = e[f.root];
    if (f.root === 'body') e.body = null;
    else e[f.root] = {};
    return v;
  }
  let obj: unknown = e[f.root];
  for (const k of f.keys.slice(0, -1)) {
    if (!isObject(obj)) return undefined;
    obj = obj[k];
  }
  if (!isObject(obj)) return undefined;
  const last = f.keys[f.keys.length - 1];
  const v = obj[last];
  delete obj[last];
  return v;
}
