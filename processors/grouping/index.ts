import { createHash } from 'node:crypto';
import { namedExtension, type ComponentFactory, type ComponentInstance, type Consumer, type CreateContext, type Host, type NextConsumers } from '../../pipeline/component.js';
import {
  isIssueStore,
  ISSUE_CULPRIT,
  ISSUE_HASH,
  ISSUE_ID,
  ISSUE_NEW,
  ISSUE_REGRESSED,
  ISSUE_TITLE,
  type IssueOccurrence,
  type IssueStore,
} from '../../pipeline/exceptions/issues.js';
import type { Attributes, Logs, Resource, Signal, SignalData, Traces } from '../../pipeline/model.js';
import { downstreamFor } from '../internal/downstream.js';
import { problemsError } from '../internal/values.js';
import { configSchema, validateConfig, type GroupingConfig } from './config.js';
import { Grouper } from './grouper.js';
import { logError, spanEventError, type ErrorOccurrence } from './source.js';

export type { GroupingConfig } from './config.js';

/**
 * The issue id: the same project and grouping hash give the same id on any instance, so
 * gateways behind a load balancer agree without sharing state.
 */
export function issueId(project: string, hash: string): string {
  return createHash('sha256').update(project).update('\0').update(hash).digest('hex').slice(0, 32);
}

function projectOf(config: GroupingConfig, attributes: Attributes, resource: Resource): string {
  for (const key of config.project_attributes) {
    const v = attributes.get(key) ?? resource.attributes.get(key);
    if (typeof v === 'string' ? v !== '' : typeof v === 'bigint' || typeof v === 'number') return String(v);
  }
  return config.default_project;
}

/** Every error in a batch: log records, and span events named `exception`. */
function errorsIn(signal: Signal, data: SignalData[Signal]): ErrorOccurrence[] {
  const out: ErrorOccurrence[] = [];
  if (signal === 'logs') {
    for (const rl of (data as Logs).resourceLogs)
      for (const sl of rl.scopeLogs)
        for (const record of sl.logRecords) {
          const e = logError({ kind: 'log', resource: rl.resource, scope: sl.scope, record });
          if (e) out.push(e);
        }
  } else {
    for (const rs of (data as Traces).resourceSpans)
      for (const ss of rs.scopeSpans)
        for (const span of ss.spans)
          for (const event of span.events) {
            const e = spanEventError({ kind: 'span_event', resource: rs.resource, scope: ss.scope, span, event });
            if (e) out.push(e);
          }
  }
  return out;
}

function create(ctx: CreateContext, config: GroupingConfig, next: NextConsumers): ComponentInstance {
  const problems = validateConfig(config);
  if (problems.length) throw problemsError(ctx.id, problems);
  const grouper = new Grouper({ stacktraceRules: config.stacktrace_rules, fingerprintRules: config.fingerprinting_rules });
  let store: IssueStore | undefined;

  const consumer = <S extends Signal>(signal: S): Consumer<S> => {
    const downstream = downstreamFor(ctx.id, signal, next);
    return {
      async consume(data) {
        const occurrences: IssueOccurrence[] = [];
        for (const error of errorsIn(signal, data)) {
          const grouped = grouper.group(error.event);
          const project = projectOf(config, error.attributes, error.source.resource);
          const id = issueId(project, grouped.hash);
          error.attributes.set(ISSUE_ID, id);
          error.attributes.set(ISSUE_TITLE, grouped.title);
          error.attributes.set(ISSUE_CULPRIT, grouped.culprit);
          error.attributes.set(ISSUE_HASH, grouped.hash);
          const { level, release, environment, platform } = error.event;
          occurrences.push({
            project,
            issueId: id,
            hash: grouped.hash,
            hashes: grouped.hashes,
            title: grouped.title,
            culprit: grouped.culprit,
            timeUnixNano: error.timeUnixNano,
            platform: platform!,
            ...(level && { level }),
            ...(release && { release }),
            ...(environment && { environment }),
            event: error.event,
            source: error.source,
          });
        }
        if (store && occurrences.length) {
          const verdicts = await store.recordOccurrences(occurrences);
          occurrences.forEach((o, i) => {
            const attributes = o.source.kind === 'log' ? o.source.record.attributes : o.source.event.attributes;
            if (verdicts[i]?.new) attributes.set(ISSUE_NEW, true);
            if (verdicts[i]?.regressed) attributes.set(ISSUE_REGRESSED, true);
          });
        }
        await downstream.consume(data);
      },
    };
  };

  const consumers: NextConsumers = {};
  for (const signal of ctx.signals) consumers[signal] = consumer(signal) as never;
  return {
    consumers,
    mutatesData: true,
    async start(host: Host) {
      if (config.issue_store === undefined) return;
      store = namedExtension(host, `${ctx.id}: issue_store`, config.issue_store, isIssueStore, 'an issue store');
    },
  };
}

/**
 * Groups errors into issues the way Sentry does; see README.md. Errors are log records (a
 * Sentry event in the body, or OpenTelemetry `exception.*` attributes) and span events named
 * `exception`; everything else passes through untouched.
 */
export const groupingProcessorFactory: ComponentFactory<GroupingConfig> = {
  type: 'grouping',
  kind: 'processor',
  signals: ['logs', 'traces'],
  stability: 'development',
  configSchema,
  validate: validateConfig,
  create,
};
