/** The webhook exporter's config: rules, Alertmanager's route/receivers/inhibit_rules, escalation. */
import { isAbsolute, resolve } from 'node:path';
import type { JSONSchema } from '../../pipeline/component.js';
import { durationSchema, parseDuration } from '../../pipeline/duration.js';
import { exporterHelperSchemaProperties, validateExporterHelperConfig, type ExporterHelperConfig } from '../../pipeline/exporterhelper/index.js';
import { HTTP_SERVER_DEFAULTS, httpServerSchema, type HttpServerSettings } from '../../pipeline/http-server.js';
import { endpointProblems } from '../../pipeline/net.js';
import { buildInhibitRule, type InhibitRule, type InhibitRuleConfig } from './dispatcher.js';
import { buildPolicy, type EscalationPolicyConfig } from './escalation.js';
import { eventConditionSchema } from './events.js';
import { buildTargets, receiverSchema, type ReceiverConfig, type Target } from './receivers.js';
import { allRoutes, buildRoute, ROUTE_DEFAULTS, type Route, type RouteConfig } from './routes.js';
import { Rule, SEVERITIES, type ForStateRestore, type RuleConfig } from './rules.js';

export interface WebhookExporterConfig extends ExporterHelperConfig, Partial<HttpServerSettings> {
  evaluation_interval?: string;
  for_outage_tolerance?: string;
  for_grace_period?: string;
  resolve_timeout?: string;
  external_url?: string;
  endpoint?: string;
  state_path?: string;
  signing_secret?: string;
  link_ttl?: string;
  rules?: RuleConfig[];
  route: RouteConfig;
  receivers: ReceiverConfig[];
  inhibit_rules?: InhibitRuleConfig[];
  escalation_policies?: EscalationPolicyConfig[];
}

export const WEBHOOK_DEFAULTS = {
  evaluation_interval: '10s',
  for_outage_tolerance: '1h',
  for_grace_period: '10m',
  resolve_timeout: '5m',
  external_url: 'http://localhost:9095',
  state_path: './data/alerts.sqlite',
  link_ttl: '24h',
};

const stringMap = { type: 'object', additionalProperties: { type: 'string' } };
const stringList = { type: 'array', items: { type: 'string' } };

const routeSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    receiver: { type: 'string' },
    group_by: stringList,
    group_wait: durationSchema(),
    group_interval: durationSchema(),
    repeat_interval: durationSchema(),
    matchers: stringList,
    continue: { type: 'boolean' },
    // nested routes are checked when the tree is built (see routes.ts)
    routes: { type: 'array', items: { type: 'object' } },
    escalation_policy: { type: 'string' },
  },
};

export const webhookExporterSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['route', 'receivers'],
  properties: {
    evaluation_interval: durationSchema(WEBHOOK_DEFAULTS.evaluation_interval),
    for_outage_tolerance: durationSchema(WEBHOOK_DEFAULTS.for_outage_tolerance),
    for_grace_period: durationSchema(WEBHOOK_DEFAULTS.for_grace_period),
    resolve_timeout: durationSchema(WEBHOOK_DEFAULTS.resolve_timeout),
    external_url: { type: 'string', pattern: '^https?://', default: WEBHOOK_DEFAULTS.external_url, description: 'base of the ack/resolve links in pages' },
    endpoint: { type: 'string', description: 'host:port serving the ack/resolve links; unset: no server (acknowledge with summit incidents ack)' },
    state_path: { type: 'string', description: `SQLite file of silences, notification log and incidents; default ${WEBHOOK_DEFAULTS.state_path}` },
    signing_secret: { type: 'string', minLength: 16, description: 'HMAC key of ack links; unset: a random key kept in the state file' },
    link_ttl: durationSchema(WEBHOOK_DEFAULTS.link_ttl),
    rules: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['alert'],
        properties: {
          alert: { type: 'string', pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$' },
          expr: { type: 'object' },
          event: eventConditionSchema,
          group_by: stringList,
          for: durationSchema(),
          keep_firing_for: durationSchema(),
          severity: { type: 'string', enum: [...SEVERITIES] },
          labels: stringMap,
          annotations: stringMap,
        },
      },
      default: [],
    },
    route: routeSchema,
    receivers: { type: 'array', items: receiverSchema, minItems: 1 },
    inhibit_rules: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, properties: { source_matchers: stringList, target_matchers: stringList, equal: stringList } },
      default: [],
    },
    escalation_policies: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'tiers'],
        properties: {
          name: { type: 'string', minLength: 1 },
          tiers: {
            type: 'array',
            minItems: 1,
            items: { type: 'object', additionalProperties: false, required: ['receiver'], properties: { receiver: { type: 'string' }, escalate_after: durationSchema() } },
          },
          repeat: { type: 'integer', minimum: 0, default: 0 },
        },
      },
      default: [],
    },
    ...httpServerSchema(HTTP_SERVER_DEFAULTS, { auth: false }),
    ...exporterHelperSchemaProperties(),
  },
};

export interface ResolvedWebhookConfig {
  evaluationIntervalMs: number;
  forStateRestore: ForStateRestore;
  resolveTimeoutMs: number;
  linkTtlMs: number;
  externalURL: string;
  statePath: string;
  rules: Rule[];
  route: Route;
  targets: Map<string, Target[]>;
  inhibitRules: InhibitRule[];
  policies: Map<string, ReturnType<typeof buildPolicy>>;
}

/** Builds everything the config describes; throws `{ path, message }` problems as one Error listing them. */
export function resolveWebhookConfig(c: WebhookExporterConfig, configDir: string, cwd = process.cwd()): ResolvedWebhookConfig {
  const problems = webhookProblems(c);
  if (problems.length) throw new Error(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  return build(c, configDir, cwd);
}

function build(c: WebhookExporterConfig, configDir: string, cwd: string): ResolvedWebhookConfig {
  const externalURL = c.external_url ?? WEBHOOK_DEFAULTS.external_url;
  const receiverNames = new Set(c.receivers.map((r) => r.name));
  const route = buildRoute(c.route, undefined, '0', 'route');
  const policies = new Map((c.escalation_policies ?? []).map((p, i) => [p.name, buildPolicy(p, receiverNames, `escalation_policies[${i}]`)]));
  for (const r of allRoutes(route)) {
    if (!receiverNames.has(r.receiver)) throw new Error(`route: receiver "${r.receiver}" is not among receivers (${[...receiverNames].join(', ')})`);
    if (r.escalationPolicy && !policies.has(r.escalationPolicy)) throw new Error(`route: escalation_policy "${r.escalationPolicy}" is not among escalation_policies`);
  }
  return {
    evaluationIntervalMs: parseDuration(c.evaluation_interval ?? WEBHOOK_DEFAULTS.evaluation_interval),
    forStateRestore: {
      outageToleranceMs: parseDuration(c.for_outage_tolerance ?? WEBHOOK_DEFAULTS.for_outage_tolerance),
      gracePeriodMs: parseDuration(c.for_grace_period ?? WEBHOOK_DEFAULTS.for_grace_period),
    },
    resolveTimeoutMs: parseDuration(c.resolve_timeout ?? WEBHOOK_DEFAULTS.resolve_timeout),
    linkTtlMs: parseDuration(c.link_ttl ?? WEBHOOK_DEFAULTS.link_ttl),
    externalURL,
    statePath: c.state_path === undefined ? resolve(cwd, WEBHOOK_DEFAULTS.state_path) : isAbsolute(c.state_path) ? c.state_path : resolve(configDir, c.state_path),
    rules: (c.rules ?? []).map((r, i) => new Rule(r, `rules[${i}]`, externalURL)),
    route,
    targets: buildTargets(c.receivers),
    inhibitRules: (c.inhibit_rules ?? []).map((r, i) => buildInhibitRule(r, `inhibit_rules[${i}]`)),
    policies,
  };
}

export function webhookProblems(c: WebhookExporterConfig): { path: string; message: string }[] {
  const problems = validateExporterHelperConfig(c);
  if (c.endpoint !== undefined) problems.push(...endpointProblems(c.endpoint));
  const names = new Set<string>();
  c.receivers.forEach((r, i) => {
    if (names.has(r.name)) problems.push({ path: `receivers[${i}].name`, message: `receiver "${r.name}" is defined twice` });
    names.add(r.name);
  });
  const ruleNames = new Set<string>();
  (c.rules ?? []).forEach((r, i) => {
    if (ruleNames.has(r.alert)) problems.push({ path: `rules[${i}].alert`, message: `rule "${r.alert}" is defined twice` });
    ruleNames.add(r.alert);
  });
  if (problems.length) return problems;
  try {
    build(c, '.', '.');
  } catch (err) {
    const message = (err as Error).message;
    const m = /^([\w.[\]]+): (.*)$/s.exec(message);
    problems.push(m ? { path: m[1], message: m[2] } : { path: '', message });
  }
  return problems;
}

export { ROUTE_DEFAULTS };
