/** Upstream stanza's severity parsing (`severity:` blocks and `severity_parser`): text or numbers mapped to OTLP severity. */
import type { Entry } from './entry.js';
import { getField, parseField } from './field.js';

export interface SeverityParserConfig {
  parse_from?: string;
  preset?: 'default' | 'none';
  mapping?: Record<string, unknown>;
  overwrite_text?: boolean;
}

/** OTLP severity numbers of upstream's level names. */
export const SEVERITY: Record<string, number> = {
  trace: 1, trace2: 2, trace3: 3, trace4: 4,
  debug: 5, debug2: 6, debug3: 7, debug4: 8,
  info: 9, info2: 10, info3: 11, info4: 12,
  warn: 13, warn2: 14, warn3: 15, warn4: 16,
  error: 17, error2: 18, error3: 19, error4: 20,
  fatal: 21, fatal2: 22, fatal3: 23, fatal4: 24,
};

const DEFAULT_ALIASES: Record<string, number> = { ...SEVERITY, warning: 13, err: 17, critical: 18, crit: 18, emerg: 21, emergency: 21, alert: 19, notice: 10, default: 0 };

const TEXT: Record<number, string> = Object.fromEntries(Object.entries(SEVERITY).map(([k, v]) => [v, k.toUpperCase()]));

type Rule = (v: string) => boolean;

function rulesFor(value: unknown): Rule[] {
  const items = Array.isArray(value) ? value : [value];
  return items.map((item): Rule => {
    if (typeof item === 'object' && item !== null && 'min' in item && 'max' in item) {
      const { min, max } = item as { min: number; max: number };
      return (v) => /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max;
    }
    const s = String(item).toLowerCase();
    const range = /^([1-5])xx$/.exec(s);
    if (range) return (v) => /^\d{3}$/.test(v) && v[0] === range[1];
    return (v) => v === s;
  });
}

export function buildSeverityParser(c: SeverityParserConfig): (e: Entry) => void {
  const from = parseField(c.parse_from ?? 'attributes.severity');
  const custom: [number, Rule[]][] = Object.entries(c.mapping ?? {}).map(([level, values]) => {
    const n = SEVERITY[level.toLowerCase()];
    if (n === undefined) throw new Error(`severity: unknown level "${level}" in mapping; expected one of ${Object.keys(SEVERITY).join(', ')}`);
    return [n, rulesFor(values)];
  });
  const preset = c.preset === 'none' ? {} : DEFAULT_ALIASES;
  return (e) => {
    const raw = getField(e, from);
    if (raw === undefined) throw new Error(`severity: field ${from.text} is missing`);
    const text = String(raw);
    const key = text.toLowerCase();
    let n = custom.find(([, rules]) => rules.some((r) => r(key)))?.[0];
    n ??= preset[key];
    e.severity = n ?? 0;
    e.severityText = c.overwrite_text && n !== undefined ? (TEXT[n] ?? text) : text;
  };
}
