/**
 * upstream's `ordering_criteria`: of the files found, keep the first `top_n` after sorting by
 * named captures of `regex` (matched against the whole path) or by modification time. Sorts run
 * in order, each re-sorting what the one before left, so the last one decides the order. A path
 * the regex does not match, or whose capture does not parse, is left out.
 */
import { stat } from 'node:fs/promises';
import type { JSONSchema } from '../../pipeline/component.js';
import { parseDuration, durationSchema } from '../../pipeline/duration.js';
import { strptimeParser } from '../../pipeline/stanza/timestamp.js';
import { timeZoneProblem } from '../../pipeline/stanza/timezone.js';

export interface SortBy {
  sort_type: 'numeric' | 'alphabetical' | 'timestamp' | 'mtime';
  regex_key?: string;
  ascending: boolean;
  layout?: string;
  location?: string;
  max_time?: string;
}

export interface OrderingCriteria {
  regex?: string;
  top_n: number;
  sort_by: SortBy[];
}

export const orderingCriteriaSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    regex: { type: 'string', minLength: 1 },
    top_n: { type: 'integer', minimum: 0, default: 1, description: '0 means the default, 1' },
    sort_by: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['sort_type'],
        properties: {
          sort_type: { enum: ['numeric', 'alphabetical', 'timestamp', 'mtime'] },
          regex_key: { type: 'string', minLength: 1 },
          ascending: { type: 'boolean', default: false },
          layout: { type: 'string', minLength: 1 },
          location: { type: 'string', default: 'UTC' },
          max_time: durationSchema('0s'),
        },
      },
    },
  },
};

export function orderingProblems(o: OrderingCriteria | undefined): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  if (!o || o.sort_by.length === 0) return problems;
  const needsRegex = o.sort_by.some((s) => s.sort_type !== 'mtime');
  if (needsRegex && !o.regex) problems.push({ path: 'ordering_criteria.regex', message: "'regex' must be specified when 'sort_by' sorts by a capture" });
  let names = new Set<string>();
  if (o.regex) {
    try {
      new RegExp(goRegex(o.regex));
      names = captureNames(o.regex);
    } catch (err) {
      problems.push({ path: 'ordering_criteria.regex', message: (err as Error).message });
    }
  }
  o.sort_by.forEach((s, i) => {
    const at = `ordering_criteria.sort_by[${i}]`;
    if (s.sort_type === 'mtime') return;
    if (!s.regex_key) problems.push({ path: `${at}.regex_key`, message: `a ${s.sort_type} sort needs regex_key, a named capture of regex` });
    else if (o.regex && !names.has(s.regex_key)) problems.push({ path: `${at}.regex_key`, message: `"${s.regex_key}" is not a named capture of regex (captures: ${[...names].join(', ')})` });
    if (s.sort_type === 'timestamp') {
      if (!s.layout) problems.push({ path: `${at}.layout`, message: 'a timestamp sort needs layout (strptime, e.g. %Y%m%d%H)' });
      const zone = timeZoneProblem(s.location ?? 'UTC');
      if (zone) problems.push({ path: `${at}.location`, message: zone });
    }
  });
  return problems;
}

const goRegex = (re: string) => re.replace(/\(\?P</g, '(?<');
const captureNames = (re: string) => new Set([...goRegex(re).matchAll(/\(\?<([A-Za-z_][A-Za-z0-9_]*)>/g)].map((m) => m[1]));

interface Item {
  path: string;
  captures: Record<string, string>;
}

type Sorter = (items: Item[]) => Promise<Item[]>;

function captureSort<T>(key: string, parse: (s: string) => T, compare: (a: T, b: T) => number, ascending: boolean): Sorter {
  return async (items) => {
    const parsed: { item: Item; value: T }[] = [];
    for (const item of items) {
      try {
        parsed.push({ item, value: parse(item.captures[key] ?? '') });
      } catch {
        // a capture that does not parse leaves the file out, as upstream
      }
    }
    parsed.sort((a, b) => (ascending ? 1 : -1) * compare(a.value, b.value));
    return parsed.map((p) => p.item);
  };
}

function integer(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`not an integer: ${s}`);
  return Number(s);
}

function sorter(s: SortBy): Sorter {
  const cmp = (a: number | bigint | string, b: number | bigint | string) => (a < b ? -1 : a > b ? 1 : 0);
  switch (s.sort_type) {
    case 'numeric':
      return captureSort(s.regex_key!, integer, cmp, s.ascending);
    case 'alphabetical':
      return captureSort(s.regex_key!, (x) => x, cmp, s.ascending);
    case 'timestamp':
      return captureSort(s.regex_key!, strptimeParser(s.layout!, s.location ?? 'UTC'), cmp, s.ascending);
    case 'mtime': {
      const maxMs = parseDuration(s.max_time ?? '0s');
      // newest first, as upstream; files older than max_time (when set) are left out
      return async (items) => {
        const withTime: { item: Item; mtime: number }[] = [];
        for (const item of items) {
          const mtime = await stat(item.path).then((st) => st.mtimeMs, () => undefined);
          if (mtime !== undefined && (maxMs === 0 || Date.now() - mtime < maxMs)) withTime.push({ item, mtime });
        }
        return withTime.sort((a, b) => b.mtime - a.mtime).map((x) => x.item);
      };
    }
  }
}

/** The function that narrows a poll's paths to the ones ordering_criteria keeps (all of them without sort_by). */
export function orderingFilter(o: OrderingCriteria | undefined): (paths: string[]) => Promise<string[]> {
  if (!o || o.sort_by.length === 0) return async (paths) => paths;
  const re = o.regex ? new RegExp(goRegex(o.regex)) : undefined;
  const sorters = o.sort_by.map(sorter);
  const topN = o.top_n || 1;
  return async (paths) => {
    let items: Item[] = [];
    for (const path of paths) {
      if (!re) items.push({ path, captures: {} });
      else {
        const m = re.exec(path);
        if (m) items.push({ path, captures: Object.fromEntries(Object.entries(m.groups ?? {}).map(([k, v]) => [k, v ?? ''])) });
      }
    }
    for (const sort of sorters) items = await sort(items);
    return items.slice(0, topN).map((i) => i.path);
  };
}
