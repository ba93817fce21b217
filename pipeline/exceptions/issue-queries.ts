/**
 * Reading and triaging issue state, as the `issue_store` extension offers it through the Host:
 * what the web UI and other readers ask of it without knowing how it stores issues.
 * Times are milliseconds since the epoch.
 */
export const ISSUE_STATUSES = ['unresolved', 'resolved', 'resolved_in_next_release', 'ignored'] as const;
export type IssueStatus = (typeof ISSUE_STATUSES)[number];

export type SortKey = 'last_seen' | 'first_seen' | 'events' | 'users';
export const SORT_KEYS: readonly SortKey[] = ['last_seen', 'first_seen', 'events', 'users'];

export interface IssueSummary {
  id: string;
  project: string;
  title: string;
  culprit: string;
  status: IssueStatus;
  level: string | null;
  platform: string;
  firstSeen: number;
  lastSeen: number;
  events: number;
  users: number;
  firstRelease: string | null;
  lastRelease: string | null;
}

export interface TagValueCount {
  value: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
}

export interface StoredEventRef {
  /** The store's number for the sample, increasing with arrival. */
  pk: number;
  /** The Sentry event id, when the event had one. */
  eventId: string | null;
  /** The issue's first event (kept for good), else one of the latest. */
  first: boolean;
  time: number;
  received: number;
}

export interface StoredEvent extends StoredEventRef {
  /** A Sentry event's JSON (see the issue_store README: what an OpenTelemetry error becomes). */
  event: Record<string, unknown>;
}

export interface IssueDetail extends IssueSummary {
  hash: string;
  hashes: string[];
  statusChangedAt: number | null;
  /** resolved_in_next_release: the release the issue waits to be newer than. */
  resolvedInRelease: string | null;
  /** ignored: what ends the ignore (whichever comes first), and how far along it is. */
  ignore: { untilMs?: number; events?: { count: number; since: number }; users?: { count: number; since: number } } | null;
  /** Values of the `environment` and `release` tags, most frequent first. */
  environments: string[];
  releases: string[];
  /** Each tag key's most frequent values, keys by name. */
  tags: { key: string; values: TagValueCount[] }[];
  samples: StoredEventRef[];
  latestEvent: StoredEvent | null;
}

export interface ListOptions {
  status?: IssueStatus;
  project?: string;
  /** Words that must all occur in the title or culprit (case-insensitive). */
  text?: string;
  level?: string;
  /** Tag values the issue must have had (`release`, `environment` and a Sentry event's tags). */
  tags?: { key: string; value: string }[];
  sort?: SortKey;
  limit?: number;
  offset?: number;
}

export type TriageChange =
  | { status: 'unresolved' }
  | { status: 'resolved' }
  | { status: 'resolved_in_next_release' }
  | { status: 'ignored'; untilMs?: number; count?: number; users?: number };

/** The read and triage side of an issue store extension (synchronous: an embedded database). */
export interface IssueQueries {
  listIssues(opts?: ListOptions): IssueSummary[];
  /** The full id of the issue whose id is or starts with `idOrPrefix` (4 to 32 hex digits); throws when none or several match. */
  resolveIssueId(idOrPrefix: string): string;
  getIssue(id: string): IssueDetail | undefined;
  getEvent(id: string, pk: number): StoredEvent | undefined;
  /** Throws an error naming the problem when the issue is unknown or the change cannot be made. */
  setIssueStatus(id: string, change: TriageChange): IssueSummary;
}

export function isIssueQueries(x: unknown): x is IssueQueries {
  const q = x as Partial<IssueQueries> | undefined;
  return typeof q?.listIssues === 'function' && typeof q.resolveIssueId === 'function' && typeof q.getIssue === 'function' && typeof q.getEvent === 'function' && typeof q.setIssueStatus === 'function';
}
