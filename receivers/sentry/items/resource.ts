/** What every item of a project is attributed to: its resource, and the scope Summit records it under. */
import { newScope } from '../../../pipeline/builders.js';
import type { InstrumentationScope } from '../../../pipeline/model.js';
import type { ItemContext } from './types.js';

export const SERVICE_NAME = 'service.name';
/** `grouping` reads the project of an error from this attribute first (then service.name). */
export const SENTRY_PROJECT_ID = 'sentry.project.id';

/**
 * A Sentry project is one service: its name is `service.name` (Sentry SDKs name no service of
 * their own; the OpenTelemetry resource @sentry/node reports says `node` for every app).
 */
export function projectResourceAttributes(ctx: ItemContext): Record<string, string> {
  return { [SERVICE_NAME]: ctx.projectName, [SENTRY_PROJECT_ID]: ctx.projectId };
}

/** The instrumentation scope of what the sentry receiver makes. */
export function sentryScope(): InstrumentationScope {
  return newScope('sentry');
}
