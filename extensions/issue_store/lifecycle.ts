/**
 * An issue's status and how it changes: by triage (resolve, ignore, reopen) and by a new
 * occurrence (a regression, or the end of an ignore), as Sentry's GroupResolution and
 * GroupSnooze decide them.
 */

import type { IssueStatus } from '../../pipeline/exceptions/issue-queries.js';

export { ISSUE_STATUSES, type IssueStatus } from '../../pipeline/exceptions/issue-queries.js';

/** A row of the `issues` table. */
export interface IssueRow {
  issue_id: string;
  project: string;
  hash: string;
  title: string;
  culprit: string;
  platform: string;
  level: string | null;
  status: IssueStatus;
  first_seen: number;
  last_seen: number;
  times_seen: number;
  users_seen: number;
  first_release: string | null;
  last_release: string | null;
  /** When the status was last set, by triage or by an occurrence reopening the issue. */
  status_changed_at: number | null;
  /** resolved_in_next_release: the project's latest release when it was resolved. */
  resolved_in_release: string | null;
  /** ignored: until this time, this many more events (counted from ignore_times_seen), this many more users (from ignore_users_seen). */
  ignore_until: number | null;
  ignore_count: number | null;
  ignore_users: number | null;
  ignore_times_seen: number | null;
  ignore_users_seen: number | null;
}

export type StatusChange =
  | { status: 'unresolved' }
  | { status: 'resolved' }
  | { status: 'resolved_in_next_release'; release: string }
  | { status: 'ignored'; untilMs?: number; count?: number; users?: number };

/** The row with a new status; what the previous status remembered (resolution release, ignore conditions) is cleared. */
export function withStatus(row: IssueRow, change: StatusChange, nowMs: number): IssueRow {
  const ignored = change.status === 'ignored' ? change : undefined;
  return {
    ...row,
    status: change.status,
    status_changed_at: nowMs,
    resolved_in_release: change.status === 'resolved_in_next_release' ? change.release : null,
    ignore_until: ignored?.untilMs ?? null,
    ignore_count: ignored?.count ?? null,
    ignore_users: ignored?.users ?? null,
    ignore_times_seen: ignored?.count !== undefined ? row.times_seen : null,
    ignore_users_seen: ignored?.users !== undefined ? row.users_seen : null,
  };
}

/** Whether an ignored issue's condition is met: its time passed, or enough more events or users came. */
export function ignoreExpired(row: IssueRow, nowMs: number): boolean {
  if (row.ignore_until !== null && row.ignore_until <= nowMs) return true;
  if (row.ignore_count !== null && row.times_seen - (row.ignore_times_seen ?? 0) >= row.ignore_count) return true;
  return row.ignore_users !== null && row.users_seen - (row.ignore_users_seen ?? 0) >= row.ignore_users;
}

/**
 * What an occurrence does to an existing issue, once it is counted in `row` (times and users
 * seen include it); changes `row` and says whether it was a regression:
 * - resolved: reopens, a regression;
 * - resolved in next release: reopens, a regression, only for an event of a release that is
 *   newer than the resolution's (`isNewerRelease`); events without a release, of that release
 *   or of an older one leave it resolved (Sentry's GroupResolution.has_resolution);
 * - ignored: reopens once the ignore condition is met, not a regression (Sentry's snoozes);
 * - unresolved: nothing.
 */
export function applyOccurrence(row: IssueRow, release: string | undefined, nowMs: number, isNewerRelease: (release: string) => boolean): { regressed: boolean } {
  const reopen = (regressed: boolean) => {
    Object.assign(row, withStatus(row, { status: 'unresolved' }, nowMs));
    return { regressed };
  };
  switch (row.status) {
    case 'resolved':
      return reopen(true);
    case 'resolved_in_next_release':
      if (release !== undefined && release !== row.resolved_in_release && isNewerRelease(release)) return reopen(true);
      return { regressed: false };
    case 'ignored':
      return ignoreExpired(row, nowMs) ? reopen(false) : { regressed: false };
    default:
      return { regressed: false };
  }
}
