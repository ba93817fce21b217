import type { ConfigProblem } from './types.js';
import { didYouMean } from './suggest.js';

export type GateStage = 'alpha' | 'beta' | 'stable';

export interface FeatureGate {
  id: string;
  stage: GateStage;
  description: string;
  /** Enabled unless the operator says otherwise (beta and stable gates are). */
  enabledByDefault: boolean;
}

/** Upstream's gates whose behaviour Summit has; any other id is accepted with a warning. */
export const FEATURE_GATES: readonly FeatureGate[] = [
  {
    id: 'service.profilesSupport',
    stage: 'alpha',
    enabledByDefault: false,
    description:
      'allow profiles pipelines: OTLP profiles pass through the components that take them (otlp and nop receivers; memory_limiter, resourcedetection and filter processors; forward connector; otlp, otlphttp, debug and nop exporters)',
  },
  {
    id: 'processor.filter.defaultErrorModeIgnore',
    stage: 'stable',
    enabledByDefault: true,
    description: 'the filter processor\'s error_mode defaults to "ignore"',
  },
];

export interface GateSettings {
  enabled: ReadonlySet<string>;
  problems: ConfigProblem[];
}

/**
 * Reads `--feature-gates` values as upstream does: comma-separated ids, `-id` to disable, `id`
 * or `+id` to enable. An unknown id is a warning (upstream's gate may do nothing here); turning
 * a stable gate off is an error, as upstream.
 */
export function parseFeatureGates(flags: readonly string[]): GateSettings {
  const enabled = new Set(FEATURE_GATES.filter((g) => g.enabledByDefault).map((g) => g.id));
  const problems: ConfigProblem[] = [];
  const ids = FEATURE_GATES.map((g) => g.id);
  for (const item of flags.flatMap((f) => f.split(','))) {
    const word = item.trim();
    if (!word) continue;
    const on = !word.startsWith('-');
    const id = word.replace(/^[+-]/, '');
    const gate = FEATURE_GATES.find((g) => g.id === id);
    const componentId = '--feature-gates';
    if (!gate) {
      problems.push({ severity: 'warning', componentId, message: `unknown feature gate "${id}", ignored; Summit knows: ${ids.join(', ')}${didYouMean(id, ids)} (summit featuregate lists them)` });
      continue;
    }
    if (!on && gate.stage === 'stable') {
      problems.push({ severity: 'error', componentId, message: `feature gate "${id}" is stable and cannot be disabled` });
      continue;
    }
    if (on) enabled.add(id);
    else enabled.delete(id);
  }
  return { enabled, problems };
}

/** `summit featuregate`'s rows, as upstream's table. */
export function featureGateRows(enabled: ReadonlySet<string>): string[][] {
  return [['ID', 'ENABLED', 'STAGE', 'DESCRIPTION'], ...FEATURE_GATES.map((g) => [g.id, String(enabled.has(g.id)), g.stage, g.description])];
}

/** Each gate with whether it is on, for status pages. */
export function featureGateStates(enabled: ReadonlySet<string>): { id: string; enabled: boolean; stage: string; description: string }[] {
  return FEATURE_GATES.map((g) => ({ id: g.id, enabled: enabled.has(g.id), stage: g.stage, description: g.description }));
}
