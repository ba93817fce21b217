/** Status changes as the UI and Sentry's API write them, into the issue store's {@link exceptions.TriageChange}. */
import type { exceptions } from 'summit';
import { HttpError } from './http.js';

const count = (v: unknown, what: string): number | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new HttpError(400, `${what}: expected a whole number of at least 1, got ${JSON.stringify(v)}`);
  return v;
};

/** The UI's body: `{status, untilMs?, count?, users?}` with the store's status names. */
export function uiChange(body: Record<string, unknown>): exceptions.TriageChange {
  switch (body.status) {
    case 'resolved':
    case 'unresolved':
    case 'resolved_in_next_release':
      return { status: body.status };
    case 'ignored':
      return { status: 'ignored', untilMs: count(body.untilMs, 'untilMs'), count: count(body.count, 'count'), users: count(body.users, 'users') };
    default:
      throw new HttpError(400, `status: expected resolved, resolved_in_next_release, unresolved or ignored, got ${JSON.stringify(body.status)}`);
  }
}

/**
 * Sentry's `PUT .../issues/` body: `status` resolved | resolvedInNextRelease | unresolved |
 * ignored (muted, archived), `statusDetails` {inNextRelease, ignoreCount, ignoreUserCount,
 * ignoreDuration (minutes), ignoreUntil (ISO time)}, or the top-level `snoozeDuration` (minutes).
 */
export function sentryChange(body: Record<string, unknown>, now = Date.now()): exceptions.TriageChange {
  const details = (body.statusDetails && typeof body.statusDetails === 'object' ? body.statusDetails : {}) as Record<string, unknown>;
  switch (body.status) {
    case 'resolved':
      return details.inNextRelease === true ? { status: 'resolved_in_next_release' } : { status: 'resolved' };
    case 'resolvedInNextRelease':
      return { status: 'resolved_in_next_release' };
    case 'unresolved':
      return { status: 'unresolved' };
    case 'ignored':
    case 'muted':
    case 'archived': {
      const minutes = count(details.ignoreDuration ?? body.snoozeDuration, 'ignoreDuration');
      const until = typeof details.ignoreUntil === 'string' ? Date.parse(details.ignoreUntil) : undefined;
      if (until !== undefined && Number.isNaN(until)) throw new HttpError(400, `statusDetails.ignoreUntil: expected an ISO time, got "${String(details.ignoreUntil)}"`);
      return {
        status: 'ignored',
        untilMs: minutes !== undefined ? now + minutes * 60_000 : until,
        count: count(details.ignoreCount, 'statusDetails.ignoreCount'),
        users: count(details.ignoreUserCount, 'statusDetails.ignoreUserCount'),
      };
    }
    default:
      throw new HttpError(400, `status: expected resolved, resolvedInNextRelease, unresolved or ignored, got ${JSON.stringify(body.status)}`);
  }
}
