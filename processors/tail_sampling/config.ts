import { durationSchema, parseDuration } from '../../pipeline/duration.js';
import { compileConditions, OttlParseError } from '../../pipeline/ottl/index.js';
import { regexError } from '../internal/goregex.js';
import type { Problem } from '../internal/values.js';

/** The policy types that decide on a trace by themselves (upstream's shared policies, plus `issue`). */
export const BASIC_POLICY_TYPES = [
  'always_sample',
  'latency',
  'numeric_attribute',
  'probabilistic',
  'status_code',
  'string_attribute',
  'trace_state',
  'trace_flags',
  'rate_limiting',
  'bytes_limiting',
  'span_count',
  'boolean_attribute',
  'ottl_condition',
  'issue',
] as const;
export type BasicPolicyType = (typeof BASIC_POLICY_TYPES)[number];
export type PolicyType = BasicPolicyType | 'and' | 'drop' | 'composite';

export interface PolicyConfig {
  name: string;
  type: PolicyType;
  latency?: { threshold_ms: number; upper_threshold_ms?: number };
  numeric_attribute?: { key: string; min_value?: number; max_value?: number; invert_match?: boolean };
  probabilistic?: { hash_salt?: string; sampling_percentage: number };
  status_code?: { status_codes: ('OK' | 'ERROR' | 'UNSET')[] };
  string_attribute?: { key: string; values: string[]; enabled_regex_matching?: boolean; cache_max_size?: number; invert_match?: boolean };
  trace_state?: { key: string; values: string[] };
  rate_limiting?: { spans_per_second: number };
  bytes_limiting?: { bytes_per_second: number; burst_capacity?: number };
  span_count?: { min_spans: number; max_spans?: number };
  boolean_attribute?: { key: string; value: boolean; invert_match?: boolean };
  ottl_condition?: { error_mode?: 'propagate' | 'ignore' | 'silent'; span?: string[]; spanevent?: string[] };
  issue?: { new?: boolean; regressed?: boolean };
  and?: { and_sub_policy: PolicyConfig[] };
  drop?: { drop_sub_policy: PolicyConfig[] };
  composite?: {
    max_total_spans_per_second: number;
    policy_order?: string[];
    composite_sub_policy: PolicyConfig[];
    rate_allocation?: { policy: string; percent: number }[];
  };
}

export interface TailSamplingConfig {
  decision_wait: string;
  num_traces: number;
  expected_new_traces_per_sec: number;
  decision_cache: { sampled_cache_size: number; non_sampled_cache_size: number };
  sample_on_first_match: boolean;
  drop_pending_traces_on_shutdown: boolean;
  /** Traces larger than this (OTLP bytes) are not sampled; 0 means no limit. */
  maximum_trace_size_bytes: number;
  /** Summit: bytes of buffered (undecided) spans; past it the oldest traces are decided early. */
  memory_budget_bytes: number;
  policies: PolicyConfig[];
}

const str = { type: 'string' };
const key = { type: 'string', minLength: 1 };
const strings = { type: 'array', items: str };
const nonNegative = { type: 'number', minimum: 0 };
const obj = (properties: Record<string, unknown>, required: string[] = []) => ({ type: 'object', additionalProperties: false, required, properties });

const BASIC_SETTINGS: Record<BasicPolicyType, Record<string, unknown>> = {
  always_sample: obj({}),
  latency: obj({ threshold_ms: nonNegative, upper_threshold_ms: nonNegative }),
  numeric_attribute: obj({ key, min_value: { type: 'number' }, max_value: { type: 'number' }, invert_match: { type: 'boolean' } }, ['key']),
  probabilistic: obj({ hash_salt: str, sampling_percentage: nonNegative }),
  status_code: obj({ status_codes: { type: 'array', minItems: 1, items: { enum: ['OK', 'ERROR', 'UNSET'] } } }, ['status_codes']),
  string_attribute: obj(
    { key, values: strings, enabled_regex_matching: { type: 'boolean' }, cache_max_size: { type: 'integer', minimum: 0 }, invert_match: { type: 'boolean' } },
    ['key', 'values'],
  ),
  trace_state: obj({ key, values: { type: 'array', minItems: 1, items: { type: 'string', maxLength: 256 } } }, ['key', 'values']),
  trace_flags: obj({}),
  rate_limiting: obj({ spans_per_second: { type: 'number', exclusiveMinimum: 0 } }, ['spans_per_second']),
  bytes_limiting: obj({ bytes_per_second: { type: 'number', exclusiveMinimum: 0 }, burst_capacity: { type: 'number', exclusiveMinimum: 0 } }, ['bytes_per_second']),
  span_count: obj({ min_spans: { type: 'integer', minimum: 0 }, max_spans: { type: 'integer', minimum: 0 } }),
  boolean_attribute: obj({ key, value: { type: 'boolean' }, invert_match: { type: 'boolean' } }, ['key', 'value']),
  ottl_condition: obj({ error_mode: { enum: ['propagate', 'ignore', 'silent'] }, span: strings, spanevent: strings }),
  issue: obj({ new: { type: 'boolean' }, regressed: { type: 'boolean' } }),
};

/** A policy's schema; `inner` are the policy types its sub-policies may have (none: no combinators). */
function policySchema(types: readonly PolicyType[], sub: { and?: unknown; drop?: unknown; composite?: unknown }): Record<string, unknown> {
  const properties: Record<string, unknown> = { name: key, type: { enum: types } };
  for (const t of BASIC_POLICY_TYPES) properties[t] = BASIC_SETTINGS[t];
  if (sub.and) properties.and = obj({ and_sub_policy: { type: 'array', minItems: 1, items: sub.and } }, ['and_sub_policy']);
  if (sub.drop) properties.drop = obj({ drop_sub_policy: { type: 'array', minItems: 1, items: sub.drop } }, ['drop_sub_policy']);
  if (sub.composite)
    properties.composite = obj(
      {
        max_total_spans_per_second: { type: 'number', exclusiveMinimum: 0 },
        policy_order: { type: 'array', items: key },
        composite_sub_policy: { type: 'array', minItems: 1, items: sub.composite },
        rate_allocation: { type: 'array', items: obj({ policy: key, percent: { type: 'number', minimum: 0, maximum: 100 } }, ['policy', 'percent']) },
      },
      ['max_total_spans_per_second', 'composite_sub_policy'],
    );
  return obj(properties, ['name', 'type']);
}

const basic = policySchema(BASIC_POLICY_TYPES, {});
// As upstream: `and` and `drop` combine basic policies; `composite` also takes `and`.
const andPolicy = policySchema([...BASIC_POLICY_TYPES, 'and'], { and: basic });
const topLevel = policySchema([...BASIC_POLICY_TYPES, 'and', 'drop', 'composite'], { and: basic, drop: basic, composite: andPolicy });

export const configSchema = obj(
  {
    decision_wait: durationSchema('30s'),
    num_traces: { type: 'integer', minimum: 1, default: 50000 },
    expected_new_traces_per_sec: { type: 'integer', minimum: 0, default: 0 },
    decision_cache: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { sampled_cache_size: { type: 'integer', minimum: 0, default: 0 }, non_sampled_cache_size: { type: 'integer', minimum: 0, default: 0 } },
    },
    sample_on_first_match: { type: 'boolean', default: false },
    drop_pending_traces_on_shutdown: { type: 'boolean', default: false },
    maximum_trace_size_bytes: { type: 'integer', minimum: 0, default: 0 },
    memory_budget_bytes: { type: 'integer', minimum: 1, default: 256 * 1024 * 1024 },
    policies: { type: 'array', minItems: 1, items: topLevel },
  },
  ['policies'],
);

/** What the schema cannot say: each policy has its type's settings, regexes and OTTL compile, names are unique. */
export function validateConfig(config: TailSamplingConfig): Problem[] {
  const problems: Problem[] = [];
  try {
    if (parseDuration(config.decision_wait ?? '30s') <= 0) problems.push({ path: 'decision_wait', message: 'must be greater than 0' });
  } catch (e) {
    problems.push({ path: 'decision_wait', message: (e as Error).message });
  }
  checkPolicies(config.policies ?? [], 'policies', problems);
  return problems;
}

/** Types whose settings section may be left out (everything in it is optional). */
const OPTIONAL_SETTINGS = new Set<PolicyType>(['always_sample', 'trace_flags', 'probabilistic', 'span_count', 'issue', 'latency']);

function checkPolicies(policies: PolicyConfig[], path: string, problems: Problem[]): void {
  const names = new Set<string>();
  policies.forEach((p, i) => {
    const at = `${path}[${i}]`;
    if (names.has(p.name)) problems.push({ path: `${at}.name`, message: `duplicate policy name "${p.name}"` });
    names.add(p.name);
    const settings = (p as unknown as Record<string, unknown>)[p.type];
    if (settings === undefined && !OPTIONAL_SETTINGS.has(p.type)) {
      problems.push({ path: at, message: `a policy of type ${p.type} needs its "${p.type}" section` });
      return;
    }
    checkPolicy(p, at, problems);
  });
}

function checkPolicy(p: PolicyConfig, at: string, problems: Problem[]): void {
  switch (p.type) {
    case 'string_attribute':
      if (p.string_attribute!.enabled_regex_matching)
        p.string_attribute!.values.forEach((v, j) => {
          const err = regexError(v);
          if (err) problems.push({ path: `${at}.string_attribute.values[${j}]`, message: `invalid regular expression: ${err}` });
        });
      break;
    case 'numeric_attribute': {
      const { min_value, max_value } = p.numeric_attribute!;
      if (min_value === undefined && max_value === undefined) problems.push({ path: `${at}.numeric_attribute`, message: 'set min_value, max_value or both' });
      else if (min_value !== undefined && max_value !== undefined && max_value < min_value)
        problems.push({ path: `${at}.numeric_attribute`, message: 'max_value must be at least min_value' });
      break;
    }
    case 'latency': {
      const { threshold_ms = 0, upper_threshold_ms = 0 } = p.latency ?? {};
      if (upper_threshold_ms && upper_threshold_ms < threshold_ms)
        problems.push({ path: `${at}.latency`, message: 'upper_threshold_ms must be at least threshold_ms' });
      break;
    }
    case 'span_count': {
      const { min_spans = 0, max_spans = 0 } = p.span_count ?? {};
      if (max_spans && max_spans < min_spans) problems.push({ path: `${at}.span_count`, message: 'max_spans must be at least min_spans' });
      break;
    }
    case 'ottl_condition': {
      const { span = [], spanevent = [] } = p.ottl_condition!;
      if (!span.length && !spanevent.length) problems.push({ path: `${at}.ottl_condition`, message: 'give at least one span or spanevent condition' });
      for (const [context, list] of [['span', span], ['spanevent', spanevent]] as const) {
        try {
          compileConditions(list, context);
        } catch (e) {
          if (!(e instanceof OttlParseError)) throw e;
          problems.push({ path: `${at}.ottl_condition.${context}`, message: e.message });
        }
      }
      break;
    }
    case 'and':
      checkPolicies(p.and!.and_sub_policy, `${at}.and.and_sub_policy`, problems);
      break;
    case 'drop':
      checkPolicies(p.drop!.drop_sub_policy, `${at}.drop.drop_sub_policy`, problems);
      break;
    case 'composite': {
      const c = p.composite!;
      checkPolicies(c.composite_sub_policy, `${at}.composite.composite_sub_policy`, problems);
      const names = new Set(c.composite_sub_policy.map((s) => s.name));
      (c.policy_order ?? []).forEach((n, j) => {
        if (!names.has(n)) problems.push({ path: `${at}.composite.policy_order[${j}]`, message: `no composite_sub_policy named "${n}"` });
      });
      (c.rate_allocation ?? []).forEach((r, j) => {
        if (!names.has(r.policy)) problems.push({ path: `${at}.composite.rate_allocation[${j}].policy`, message: `no composite_sub_policy named "${r.policy}"` });
      });
      const total = (c.rate_allocation ?? []).reduce((s, r) => s + r.percent, 0);
      if (total > 100) problems.push({ path: `${at}.composite.rate_allocation`, message: `percentages add up to ${total}, more than 100` });
      break;
    }
  }
}
