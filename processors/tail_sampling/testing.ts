/** Test support for the tail_sampling tests (not used by production code). */
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { newResource, newScope, newSpan } from '../../pipeline/builders.js';
import type { Span } from '../../pipeline/model.js';
import { configSchema, validateConfig, type TailSamplingConfig } from './config.js';
import { summarize, type SpanSummary, type TraceData } from './trace.js';
import { SpanListBuffers } from '../../pipeline/otlpproto/index.js';

const withDefaults = new Ajv({ useDefaults: true, strict: false, allErrors: true }).compile(configSchema);

/** A config from YAML, with defaults filled in and checked as the service checks it. */
export function loadConfig(yaml: string): TailSamplingConfig {
  const config = parse(yaml) as TailSamplingConfig;
  if (!withDefaults(config)) throw new Error(JSON.stringify(withDefaults.errors));
  const problems = validateConfig(config);
  if (problems.length) throw new Error(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  return config;
}

export const tid = (n: number) => n.toString(16).padStart(32, '0');

const lists = new SpanListBuffers();

/** A trace of the given spans under one resource. */
export function traceOf(spans: Partial<Span>[], resource: Record<string, unknown> = {}, traceId = tid(1)): TraceData {
  const full = spans.map((s, i) => newSpan({ traceId, spanId: (i + 1).toString(16).padStart(16, '0'), ...s }));
  const summary: SpanSummary = { spanCount: 0, statusCodes: 0, sampledFlag: false, hasEvents: false, earliestStart: undefined, latestEnd: undefined };
  summarize(summary, full);
  lists.append(full);
  const bytes = lists.end - lists.start;
  lists.release(lists.buffer);
  return {
    ...summary,
    traceId,
    groups: [{ resource: newResource(resource), resourceSchemaUrl: '', scope: newScope('t'), scopeSchemaUrl: '', spans: full }],
    bytes,
  };
}
