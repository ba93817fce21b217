/**
 * Sentry's grouping (`newstyle:2023-01-11`) of one event into hashes: the strategies' component
 * trees per variant (`app`: in-app frames, `system`: all frames, `default`: message), then the
 * fingerprint (client or server rule) on top: `{{ default }}` alone keeps the trees, a
 * fingerprint without it replaces them, a mix salts them.
 */
import type { ErrorEvent, ExceptionValue } from '../../pipeline/exceptions/model.js';
import { Component, hashValues } from './component.js';
import type { Enhancer } from './enhancer.js';
import { matchFingerprintRule, resolveFingerprint } from './fingerprint.js';
import type { FingerprintRule } from './fingerprint-rules.js';
import { normalizeForGrouping } from './normalize.js';
import type { StackCache, Variants } from './stacktrace.js';
import { runStrategies, type StrategyResult } from './strategies.js';

export interface Variant {
  /** Undefined when the variant does not contribute. */
  hash?: string;
  /** `component`, `custom-fingerprint`, `built-in-fingerprint`, `salted-component` or `fallback`. */
  type: string;
  component?: Component;
  values?: string[];
}

export interface GroupingResult {
  variants: Map<string, Variant>;
  /** Every distinct contributing hash, the primary first and `system` last, as Sentry lists them. */
  hashes: string[];
  /** The hash the issue is identified by. */
  hash: string;
  /** The variant the primary hash comes from. */
  variant: string;
  /** The server rule that set the fingerprint, if one did. */
  rule?: FingerprintRule;
  /** The exception the issue is titled after (an exception group may name one other than the last). */
  main?: ExceptionValue;
}

const DEFAULT_FINGERPRINT = '{{ default }}';
const isDefault = (v: string) => /^\{\{\s*default\s*\}\}$/.test(v);
const EMPTY_HASH = hashValues([]);

/** What grouping runs with: the parsed rules, and the cache of stacks already seen. */
export interface GroupingSetup {
  enhancer: Enhancer;
  fingerprintRules: FingerprintRule[];
  stacks: StackCache;
}

export function groupEvent(event: ErrorEvent, { enhancer, fingerprintRules, stacks }: GroupingSetup): GroupingResult {
  normalizeForGrouping(event, { enhancer, stacks });
  const rule = matchFingerprintRule(fingerprintRules, event);
  if (rule) event.fingerprint = rule.fingerprint;
  const strategies = runStrategies(event, { enhancer, platform: event.platform!, stacks });
  const trees = componentTrees(strategies);
  const fingerprint = event.fingerprint?.length ? event.fingerprint : [DEFAULT_FINGERPRINT];
  const defaults = fingerprint.filter(isDefault).length;
  const variants = new Map<string, Variant>();

  if (defaults === 0) {
    for (const [name, root] of trees) variants.set(name, { type: 'component', component: root.update({ contributes: false, hint: 'custom fingerprint takes precedence' }) });
    const values = resolveFingerprint(fingerprint, event);
    variants.set(rule?.builtin ? 'built-in-fingerprint' : 'custom-fingerprint', { type: rule?.builtin ? 'built-in-fingerprint' : 'custom-fingerprint', values, hash: hashValues(values) });
  } else if (defaults === 1 && fingerprint.length === 1) {
    for (const [name, root] of trees) variants.set(name, { type: 'component', component: root, hash: root.hash() });
  } else {
    const values = resolveFingerprint(fingerprint, event);
    for (const [name, root] of trees) {
      const salted = root.contributes ? hashValues(values.flatMap((v) => (isDefault(v) ? root.flatValues() : [v]))) : undefined;
      variants.set(name, { type: 'salted-component', component: root, values, hash: salted });
    }
  }
  if (![...variants.values()].some((v) => v.hash !== undefined)) variants.set('fallback', { type: 'fallback', hash: EMPTY_HASH });

  const ordered = [...variants].filter(([name]) => name !== 'system');
  if (variants.has('system')) ordered.push(['system', variants.get('system')!]);
  const hashes: string[] = [];
  let primary = '';
  for (const [name, v] of ordered) {
    if (v.hash === undefined || hashes.includes(v.hash)) continue;
    if (!hashes.length) primary = name;
    hashes.push(v.hash);
  }
  const main = strategies.find((s) => s.main)?.main;
  return { variants, hashes, hash: hashes[0], variant: primary, ...(rule && { rule }), ...(main && { main }) };
}

/**
 * Per variant, the root component holding each strategy's component; only the first strategy
 * with a contributing variant counts. Variants are ordered as Sentry lists its hashes: `app`,
 * `default`, then anything else.
 */
function componentTrees(strategies: StrategyResult[]): Map<string, Component> {
  let winner: string | undefined;
  let precedence: string | undefined;
  const perVariant = new Map<string, Component[]>();
  for (const strategy of strategies) {
    const resolved = resolveVariants(strategy.variants);
    if (strategy.preferStacktraces) preferStacktraces(resolved);
    for (const [variant, c] of resolved) {
      if (!perVariant.has(variant)) perVariant.set(variant, []);
      perVariant.get(variant)!.push(c);
      if (winner === undefined) {
        if (!c.contributes) continue;
        winner = strategy.name;
        const contributing = [...resolved].filter(([, x]) => x.contributes).map(([n]) => n).sort().join('/');
        precedence = `${variant !== 'default' ? `${strategy.name} of ${contributing}` : strategy.name} take${strategy.name.endsWith('s') ? '' : 's'} precedence`;
      } else if (c.contributes && winner !== strategy.name) {
        c.update({ contributes: false, hint: precedence });
      }
    }
  }
  const order = (name: string) => ['app', 'default'].indexOf(name) + 1 || 3;
  const trees = new Map<string, Component>();
  for (const [variant, components] of [...perVariant].sort(([a], [b]) => order(a) - order(b))) {
    const root = new Component(variant, components);
    if (!root.contributes && precedence) root.hint = precedence;
    trees.set(variant, root);
  }
  return trees;
}

/**
 * `!system` is mandatory: when it does not contribute, neither may `app`; when `app` hashes
 * the same as `system` it adds nothing and is switched off.
 */
function resolveVariants(variants: Variants): Map<string, Component> {
  const out = new Map<string, Component>();
  let hasMandatory = false;
  const mandatoryHashes = new Map<string, string>();
  const optional: string[] = [];
  for (const [key, c] of variants) {
    const mandatory = key.startsWith('!');
    const name = mandatory ? key.slice(1) : key;
    hasMandatory ||= mandatory;
    if (c.contributes) {
      if (mandatory) mandatoryHashes.set(c.hash()!, name);
      else optional.push(name);
    }
    out.set(name, c);
  }
  for (const name of optional) {
    const c = out.get(name)!;
    if (hasMandatory && !mandatoryHashes.size) {
      c.update({ contributes: false, hint: 'ignored because other mandatory variant is not used' });
    } else {
      const duplicateOf = mandatoryHashes.get(c.hash()!);
      if (duplicateOf !== undefined) c.update({ contributes: false, hint: `ignored because hash matches ${duplicateOf} variant` });
    }
  }
  return out;
}

/** When some variant has a contributing stack, the variants without one stop contributing. */
function preferStacktraces(variants: Map<string, Component>): void {
  if (variants.size <= 1) return;
  const withStack = [...variants].filter(([, c]) => c.hasContributing('stacktrace')).map(([n]) => n);
  if (!withStack.length) return;
  const which = withStack.length === 1 ? `the ${withStack[0]} variant does` : 'others do';
  for (const [name, c] of variants) {
    if (!withStack.includes(name)) c.update({ contributes: false, hint: `ignored because this variant does not have a contributing stacktrace, but ${which}` });
  }
}
