import { FingerprintSyntaxError, parseFingerprintRules } from './fingerprint-rules.js';
import { parseStacktraceRules, RuleSyntaxError } from './stacktrace-rules.js';

export interface GroupingConfig {
  /** Attributes naming an error's project, tried in order on the record, then on its resource. */
  project_attributes: string[];
  /** The project of errors that have none of them. */
  default_project: string;
  /** Server-side fingerprint rules, Sentry's syntax, one per line. */
  fingerprinting_rules: string;
  /** Stack trace rules (in-app, grouping), Sentry's syntax, one per line. */
  stacktrace_rules: string;
  /** Id of an extension implementing the issue store (e.g. `issue_store`); without one, no issue.new / issue.regressed. */
  issue_store?: string;
}

export const DEFAULT_PROJECT_ATTRIBUTES = ['sentry.project.id', 'service.name'];

export const configSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    project_attributes: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, default: DEFAULT_PROJECT_ATTRIBUTES },
    default_project: { type: 'string', minLength: 1, default: 'default' },
    fingerprinting_rules: { type: 'string', default: '' },
    stacktrace_rules: { type: 'string', default: '' },
    issue_store: { type: 'string', minLength: 1 },
  },
};

/** Every syntax error in the rules, with its line and column inside the multi-line string. */
export function validateConfig(config: GroupingConfig): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  for (const [path, parse] of [
    ['fingerprinting_rules', parseFingerprintRules],
    ['stacktrace_rules', parseStacktraceRules],
  ] as const) {
    // Each line is a rule of its own, so every bad line is reported, not just the first.
    (config[path] ?? '').split(/\r?\n/).forEach((line, i) => {
      try {
        parse(line);
      } catch (err) {
        if (!(err instanceof RuleSyntaxError || err instanceof FingerprintSyntaxError)) throw err;
        problems.push({ path, message: err.message.replace(/\(line 1, column (\d+)\)$/, `(line ${i + 1}, column $1)`) });
      }
    });
  }
  return problems;
}
