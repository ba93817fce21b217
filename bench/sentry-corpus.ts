/**
 * Reads Sentry's grouping corpus where it lies (never copied into this repository):
 * `../shared/corpus/sentry-grouping` from the project root, or `$SENTRY_GROUPING_CORPUS`.
 * See that folder's README.md for what it holds.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export function corpusDir(): string {
  return process.env.SENTRY_GROUPING_CORPUS ?? join(PROJECT_ROOT, '..', 'shared', 'corpus', 'sentry-grouping');
}

export interface GroupingInput {
  name: string;
  platform: string;
  /** The event as an SDK would send it, test-only keys removed. */
  event: Record<string, unknown>;
  /** Test-only stack trace rules the Sentry test appends to the defaults, in Sentry's syntax. */
  stacktraceRules?: string;
  hashes: string[];
  primaryHash: string;
  primaryVariant: string;
  /** Sentry's variant dump (`<variant>:\n  hash: ...\n  component:\n    tree`), for explanations. */
  snapshot: string;
}

export interface FingerprintInput {
  name: string;
  event: Record<string, unknown>;
  /** The input's `_fingerprinting_rules`, rewritten in Sentry's rule syntax. */
  rules: string;
  resultingFingerprint: string[];
  title: string;
  variants: Record<string, { type: string; hash?: string; values?: string[]; contributes?: boolean }>;
}

interface HashEntry {
  name: string;
  input: string;
  snapshot: string;
  platform: string | null;
  hashes: string[];
  primary_hash: string;
  primary_variant: string;
}

function readJson(path: string): any {
  return JSON.parse(readFileSync(path, 'utf8'));
}

export function corpusAvailable(): boolean {
  return existsSync(join(corpusDir(), 'sentry', 'expected-hashes.json'));
}

export function loadGroupingInputs(): GroupingInput[] {
  const dir = corpusDir();
  const entries: HashEntry[] = readJson(join(dir, 'sentry', 'expected-hashes.json')).entries;
  return entries.map((e) => {
    const { _grouping, ...event } = readJson(join(dir, e.input));
    const rules = (_grouping as { enhancements?: string } | undefined)?.enhancements;
    return {
      name: e.name,
      platform: e.platform ?? '(none)',
      event,
      ...(rules && { stacktraceRules: rules }),
      hashes: e.hashes,
      primaryHash: e.primary_hash,
      primaryVariant: e.primary_variant,
      snapshot: readFileSync(join(dir, e.snapshot), 'utf8'),
    };
  });
}

/** Sentry's issues on this corpus: inputs sharing any hash, transitively (hash-clusters.json). */
export function loadClusters(): Map<string, number> {
  const clusters: { members: string[] }[] = readJson(join(corpusDir(), 'sentry', 'hash-clusters.json')).clusters;
  const byName = new Map<string, number>();
  clusters.forEach((c, i) => c.members.forEach((m) => byName.set(m, i)));
  return byName;
}

export function loadFingerprintInputs(): FingerprintInput[] {
  const dir = corpusDir();
  const entries: any[] = readJson(join(dir, 'sentry', 'expected-fingerprints.json')).entries;
  return entries.map((e) => {
    const { _fingerprinting_rules: rules, ...event } = readJson(join(dir, e.input));
    return {
      name: e.name,
      event,
      rules: (rules as RuleJson[]).map(ruleText).join('\n'),
      resultingFingerprint: e.resulting_fingerprint,
      title: e.title,
      variants: e.variants,
    };
  });
}

interface RuleJson {
  matchers: [string, string][];
  fingerprint: string[];
  attributes?: { title?: string };
}

/** A rule from Sentry's JSON form in Sentry's text syntax, quoting every value. */
function ruleText(r: RuleJson): string {
  const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const matchers = r.matchers.map(([key, pattern]) => `${key.startsWith('!') ? '!' : ''}${key.replace(/^!/, '')}:${q(pattern)}`);
  const title = r.attributes?.title !== undefined ? ` title=${q(r.attributes.title)}` : '';
  return `${matchers.join(' ')} -> ${r.fingerprint.map(q).join(', ')}${title}`;
}

/** One variant's tree from a Sentry snapshot, in the layout `Component.describe()` prints. */
export function snapshotTree(snapshot: string, variant: string): string | undefined {
  const body = snapshot.split(/^---\n/m).slice(2).join('---\n');
  for (const block of body.split(/^-{74}$/m)) {
    const lines = block.replace(/^\n+/, '').split('\n');
    if (lines[0] !== `${variant}:`) continue;
    const start = lines.findIndex((l) => l === '  component:');
    return lines
      .slice(start + 1)
      .filter((l) => l.trim())
      .map((l) => l.slice(4))
      .join('\n');
  }
  return undefined;
}
