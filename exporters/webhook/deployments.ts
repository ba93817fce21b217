/**
 * Deployments the exporter has seen, for post-mortems: the deployment spans the `github` and
 * `gitlab` receivers make (`summit.cicd.span.type = deployment`, what the `cicd` connector counts
 * for DORA), when a traces pipeline brings them to this exporter. Kept in the state file for
 * {@link DEPLOYMENT_RETENTION_MS}.
 */
import * as ci from '../../pipeline/cicd/index.js';
import type { AnyValue, Attributes, Traces } from '../../pipeline/model.js';
import { labelText } from './series.js';

export const DEPLOYMENTS_SCHEMA = [
  // a deployment reported again (a redelivery, a later status) replaces the row of the same id and status
  'CREATE TABLE deployments (id TEXT NOT NULL, status TEXT NOT NULL, at INTEGER NOT NULL, environment TEXT NOT NULL, repository TEXT NOT NULL, service TEXT NOT NULL, revision TEXT NOT NULL, PRIMARY KEY (id, status))',
  'CREATE INDEX deployments_by_time ON deployments (at)',
];

export const DEPLOYMENT_RETENTION_MS = 90 * 24 * 3_600_000;

export interface Deployment {
  id: string;
  /** `succeeded` or `failed`. */
  status: string;
  /** When it reached that status (the span's end), ms since the epoch. */
  at: number;
  environment: string;
  repository: string;
  service: string;
  revision: string;
}

/** The deployment spans in a batch (a cheap attribute lookup per span for the others). */
export function deploymentsIn(traces: Traces): Deployment[] {
  const out: Deployment[] = [];
  for (const rs of traces.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        if (span.attributes.get(ci.CICD_SPAN_TYPE) !== 'deployment') continue;
        const text = (key: string, ...scopes: Attributes[]) => labelText(scopes.map((a) => a.get(key)).find((v): v is AnyValue => v !== undefined) ?? '');
        const at = Number(span.endTimeUnixNano / 1_000_000n);
        out.push({
          id: text(ci.DEPLOYMENT_ID, span.attributes) || span.spanId,
          status: text(ci.DEPLOYMENT_STATUS, span.attributes),
          at,
          environment: text(ci.DEPLOYMENT_ENVIRONMENT_NAME, span.attributes, rs.resource.attributes),
          repository: text(ci.VCS_REPOSITORY_NAME, span.attributes, rs.resource.attributes),
          service: text('service.name', span.attributes, rs.resource.attributes),
          revision: text(ci.VCS_REF_HEAD_REVISION, span.attributes),
        });
      }
    }
  }
  return out;
}
