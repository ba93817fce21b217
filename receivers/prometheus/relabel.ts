/**
 * Prometheus relabeling (`relabel_configs`, `metric_relabel_configs`): every action with
 * Prometheus's defaults, its anchored regexes and Go's `$1` / `${name}` expansion.
 *
 * Regexes are RE2 syntax run by JavaScript's engine: the RE2 spellings that differ
 * (`(?P<name>`, a leading `(?i)` / `(?s)`) are translated; see the README for the limits.
 */
import { createHash } from 'node:crypto';

export type RelabelAction = 'replace' | 'keep' | 'drop' | 'keepequal' | 'dropequal' | 'hashmod' | 'labelmap' | 'labeldrop' | 'labelkeep' | 'lowercase' | 'uppercase';

export const RELABEL_ACTIONS: RelabelAction[] = ['replace', 'keep', 'drop', 'keepequal', 'dropequal', 'hashmod', 'labelmap', 'labeldrop', 'labelkeep', 'lowercase', 'uppercase'];

export interface RelabelConfig {
  source_labels?: string[];
  separator?: string;
  regex?: string;
  modulus?: number;
  target_label?: string;
  replacement?: string;
  action?: string;
}

export const relabelConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    source_labels: { type: 'array', items: { type: 'string' } },
    separator: { type: 'string' },
    regex: { type: 'string' },
    modulus: { type: 'integer', minimum: 0 },
    target_label: { type: 'string' },
    replacement: { type: 'string' },
    action: { type: 'string' },
  },
};

/** Labels of one series or target, by name. */
export type Labels = Map<string, string>;

export interface Relabeler {
  /** Applies the rules in order to `labels` (changed in place); false when a rule dropped them. */
  (labels: Labels): boolean;
}

interface CompiledRule {
  action: RelabelAction;
  sources: string[];
  separator: string;
  regex: RegExp;
  modulus: number;
  target: string;
  replacement: string;
}

/** The JavaScript form of an RE2 regex, anchored at both ends as Prometheus anchors it. */
export function compileRegex(re2: string): RegExp {
  let source = re2;
  let flags = '';
  for (;;) {
    const m = /^\(\?([imsU]+)\)/.exec(source);
    if (!m) break;
    if (m[1].includes('U')) throw new Error(`regex "${re2}": the (?U) flag is not supported`);
    for (const f of m[1]) if (!flags.includes(f)) flags += f;
    source = source.slice(m[0].length);
  }
  source = source.replace(/\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/g, '(?<$1>');
  try {
    return new RegExp(`^(?:${source})$`, flags);
  } catch (err) {
    throw new Error(`regex "${re2}": ${(err as Error).message}`);
  }
}

/** Problems of one rule, keyed under `path` (e.g. `scrape_configs[0].relabel_configs[2].`). */
export function relabelProblems(r: RelabelConfig, path: string): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const action = (r.action ?? 'replace').toLowerCase();
  if (!(RELABEL_ACTIONS as string[]).includes(action)) {
    problems.push({ path: `${path}action`, message: `unknown relabel action "${r.action}"; expected one of ${RELABEL_ACTIONS.join(', ')}` });
    return problems;
  }
  try {
    compileRegex(r.regex ?? '(.*)');
  } catch (err) {
    problems.push({ path: `${path}regex`, message: (err as Error).message });
  }
  const needsTarget = ['replace', 'hashmod', 'lowercase', 'uppercase', 'keepequal', 'dropequal'];
  if (needsTarget.includes(action) && !r.target_label) problems.push({ path: `${path}target_label`, message: `relabel action ${action} requires target_label` });
  if (action === 'hashmod' && !r.modulus) problems.push({ path: `${path}modulus`, message: 'relabel action hashmod requires a non-zero modulus' });
  if (['labeldrop', 'labelkeep'].includes(action) && (r.source_labels?.length || r.target_label || (r.replacement !== undefined && r.replacement !== '$1'))) {
    problems.push({ path, message: `relabel action ${action} takes only regex (no source_labels, target_label or replacement)` });
  }
  if (['keepequal', 'dropequal'].includes(action) && r.regex !== undefined && r.regex !== '(.*)') {
    problems.push({ path: `${path}regex`, message: `relabel action ${action} takes no regex` });
  }
  return problems;
}

export function compileRelabel(rules: RelabelConfig[] | undefined): Relabeler {
  const compiled: CompiledRule[] = (rules ?? []).map((r) => ({
    action: (r.action ?? 'replace').toLowerCase() as RelabelAction,
    sources: r.source_labels ?? [],
    separator: r.separator ?? ';',
    regex: compileRegex(r.regex ?? '(.*)'),
    modulus: r.modulus ?? 0,
    target: r.target_label ?? '',
    replacement: r.replacement ?? '$1',
  }));
  return (labels) => {
    for (const rule of compiled) if (!apply(rule, labels)) return false;
    return true;
  };
}

function apply(rule: CompiledRule, labels: Labels): boolean {
  const value = rule.sources.map((s) => labels.get(s) ?? '').join(rule.separator);
  switch (rule.action) {
    case 'drop':
      return !rule.regex.test(value);
    case 'keep':
      return rule.regex.test(value);
    case 'dropequal':
      return labels.get(rule.target) !== value;
    case 'keepequal':
      return labels.get(rule.target) === value;
    case 'replace': {
      const m = rule.regex.exec(value);
      if (!m) return true;
      const target = expand(rule.target, m);
      if (!target) return true;
      const replaced = expand(rule.replacement, m);
      if (replaced === '') labels.delete(target);
      else labels.set(target, replaced);
      return true;
    }
    case 'lowercase':
      labels.set(rule.target, value.toLowerCase());
      return true;
    case 'uppercase':
      labels.set(rule.target, value.toUpperCase());
      return true;
    case 'hashmod':
      labels.set(rule.target, String(hashmod(value, rule.modulus)));
      return true;
    case 'labelmap':
      for (const [name, v] of [...labels]) {
        const m = rule.regex.exec(name);
        if (m) labels.set(expand(rule.replacement, m), v);
      }
      return true;
    case 'labeldrop':
      for (const name of [...labels.keys()]) if (rule.regex.test(name)) labels.delete(name);
      return true;
    case 'labelkeep':
      for (const name of [...labels.keys()]) if (!rule.regex.test(name)) labels.delete(name);
      return true;
  }
}

/** Prometheus's hashmod: the last 8 bytes of the MD5 of the value, big-endian, modulo `modulus`. */
export function hashmod(value: string, modulus: number): bigint {
  const digest = createHash('md5').update(value).digest();
  return digest.readBigUInt64BE(8) % BigInt(modulus);
}

/**
 * Go's Regexp.Expand: `$1`, `${1}`, `$name`, `${name}` and `$$`; a bare `$name` takes the
 * longest run of letters, digits and `_`, and a group that does not exist expands to "".
 */
export function expand(template: string, m: RegExpExecArray): string {
  if (!template.includes('$')) return template;
  return template.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (whole, _all: string, braced?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const ref = braced ?? bare ?? '';
    if (/^\d+$/.test(ref)) return m[Number(ref)] ?? '';
    return m.groups?.[ref] ?? '';
  });
}
