import { parse } from 'yaml';
import { isMap } from './values.js';

export type Env = Record<string, string | undefined>;

export interface ExpandIssue {
  severity: 'error' | 'warning';
  message: string;
}

export interface Expanded {
  value: unknown;
  issues: ExpandIssue[];
  /** The expanded text, when the scalar was one reference and its text was read as a number or boolean. */
  text?: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BARE_ENV = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):([\s\S]*)$/;

/**
 * Expands `${env:VAR}`, `${env:VAR:-default}`, `${VAR}` and the `$$` escape in one string
 * scalar, as the Collector does. A scalar that is exactly one reference takes the type its
 * text reads as in YAML (`${env:PORT}` → 4317), like upstream.
 */
export function expandString(text: string, env: Env): Expanded {
  if (!text.includes('$')) return { value: text, issues: [] };
  const issues: ExpandIssue[] = [];
  const out = expandText(text, env, issues);
  if (issues.some((i) => i.severity === 'error')) return { value: out, issues };
  if (isSingleReference(text)) {
    const typed = readScalar(out);
    if (typed !== undefined) return { value: typed, issues, text: out };
  }
  return { value: out, issues };
}

function expandText(text: string, env: Env, issues: ExpandIssue[]): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c !== '$') {
      out += c;
      i++;
    } else if (text[i + 1] === '$') {
      out += '$';
      i += 2;
    } else if (text[i + 1] === '{') {
      const close = matchingBrace(text, i + 2);
      if (close < 0) {
        issues.push({ severity: 'error', message: `unterminated reference "${text.slice(i)}": expected a closing "}"` });
        return out + text.slice(i);
      }
      // Inside out, as upstream does, so a default may itself hold a reference.
      const inner = expandText(text.slice(i + 2, close), env, issues);
      out += resolveReference(inner, env, issues);
      i = close + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function matchingBrace(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '$') i++;
    else if (text[i] === '$' && text[i + 1] === '{') {
      depth++;
      i++;
    } else if (text[i] === '}') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

function resolveReference(inner: string, env: Env, issues: ExpandIssue[]): string {
  const bare = BARE_ENV.exec(inner);
  if (bare) return lookup(bare[1], bare[2], env, issues);
  const scheme = SCHEME.exec(inner);
  if (!scheme) {
    issues.push({ severity: 'error', message: `invalid reference "\${${inner}}": expected \${env:NAME}, \${env:NAME:-default} or \${NAME}` });
    return '';
  }
  if (scheme[1] !== 'env') {
    issues.push({ severity: 'error', message: `unsupported reference scheme "${scheme[1]}" in "\${${inner}}"; Summit expands only env (write $$ for a literal $)` });
    return '';
  }
  const sep = scheme[2].indexOf(':-');
  const name = sep < 0 ? scheme[2] : scheme[2].slice(0, sep);
  if (!ENV_NAME.test(name)) {
    issues.push({ severity: 'error', message: `invalid environment variable name "${name}" in "\${${inner}}"` });
    return '';
  }
  return lookup(name, sep < 0 ? undefined : scheme[2].slice(sep + 2), env, issues);
}

// Like upstream (not like a shell), the default applies only when the variable is unset.
function lookup(name: string, fallback: string | undefined, env: Env, issues: ExpandIssue[]): string {
  const v = env[name];
  if (v !== undefined) return v;
  if (fallback !== undefined) return fallback;
  issues.push({ severity: 'warning', message: `environment variable "${name}" is not set; it expands to ""` });
  return '';
}

function isSingleReference(text: string): boolean {
  return text.startsWith('${') && matchingBrace(text, 2) === text.length - 1;
}

function readScalar(text: string): number | boolean | undefined {
  if (text.trim() === '') return undefined;
  let v: unknown;
  try {
    v = parse(text);
  } catch {
    return undefined;
  }
  // Only numbers and booleans: a null or a structure from an env var is more likely an accident.
  if (typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) return v;
  return undefined;
}

/**
 * Expands every string value (never keys) of a config tree in place. `report` gets each issue
 * with the path it arose at; `typed` each path whose text became a number or boolean.
 */
export function expandTree(
  root: unknown,
  env: Env,
  report: (path: string[], issue: ExpandIssue) => void,
  typed: (path: string[], text: string) => void,
  path: string[] = [],
): void {
  const visit = (value: unknown, p: string[], assign: (v: unknown) => void): void => {
    if (typeof value === 'string') {
      const r = expandString(value, env);
      for (const issue of r.issues) report(p, issue);
      if (r.value !== value) assign(r.value);
      if (r.text !== undefined) typed(p, r.text);
    } else if (Array.isArray(value) || isMap(value)) {
      expandTree(value, env, report, typed, p);
    }
  };
  if (Array.isArray(root)) root.forEach((v, i) => visit(v, [...path, String(i)], (nv) => (root[i] = nv)));
  else if (isMap(root)) for (const [k, v] of Object.entries(root)) visit(v, [...path, k], (nv) => (root[k] = nv));
}
