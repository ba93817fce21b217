/**
 * The contract between the components that produce errors, group them into issues, store issue
 * state and show it: attribute names, the shape of a Sentry event in a log record, and the
 * issue store a grouping processor asks whether an occurrence opened or reopened an issue.
 */
import type { InstrumentationScope, LogRecord, Resource, Span, SpanEvent } from '../model.js';
import type { ErrorEvent } from './model.js';

/**
 * A log record whose `event_name` is this carries a whole Sentry event in its body, as a kvlist
 * keyed like the event's JSON (`exception.values[].stacktrace.frames[]`, `fingerprint`,
 * `logentry`, `platform`, `sdk`, `tags` ...). The `sentry` receiver writes them; `grouping`
 * prefers the body over the record's `exception.*` attributes.
 */
export const SENTRY_EVENT_NAME = 'sentry.event';

/** Attributes `grouping` sets on an error (a log record, or a span event named `exception`). */
export const ISSUE_ID = 'issue.id';
export const ISSUE_TITLE = 'issue.title';
export const ISSUE_CULPRIT = 'issue.culprit';
/** Sentry's grouping hash the id derives from (the same hash Sentry computes for the event). */
export const ISSUE_HASH = 'issue.hash';
/** Set (to true) only when the occurrence opened a new issue / reopened a resolved one. */
export const ISSUE_NEW = 'issue.new';
export const ISSUE_REGRESSED = 'issue.regressed';

/** Where an occurrence lives in the telemetry: the record or span event that carries the error. */
export type OccurrenceSource =
  | { kind: 'log'; resource: Resource; scope: InstrumentationScope; record: LogRecord }
  | { kind: 'span_event'; resource: Resource; scope: InstrumentationScope; span: Span; event: SpanEvent };

/** One error, grouped: what an issue store needs to update its issue. */
export interface IssueOccurrence {
  project: string;
  issueId: string;
  /** Sentry's primary grouping hash, and every hash of the event (an issue owns all of them in Sentry). */
  hash: string;
  hashes: string[];
  title: string;
  culprit: string;
  /** Event time, nanoseconds since the epoch. */
  timeUnixNano: bigint;
  platform: string;
  level?: string;
  release?: string;
  environment?: string;
  /**
   * The error as grouping read it, in Sentry's shape: frames parsed from a stack text and marked
   * in-app, tags of a Sentry event. What a sample event of an OpenTelemetry error is made from.
   */
  event: ErrorEvent;
  /** The record itself, for counts by user and tag and for keeping sample events. */
  source: OccurrenceSource;
}

export interface IssueVerdict {
  /** The occurrence opened the issue. */
  new: boolean;
  /** The issue was resolved and this occurrence reopened it. */
  regressed: boolean;
}

/**
 * Issue state, shared through the Host: an extension (`issue_store`) whose instance has this
 * method. `grouping` calls it once per batch, in the order of the batch, and waits: the
 * verdicts must be durable when the promise resolves (they are what was acknowledged). A
 * rejection fails the batch like any consumer error (a retryable one makes the sender retry).
 */
export interface IssueStore {
  recordOccurrences(occurrences: IssueOccurrence[]): Promise<IssueVerdict[]>;
}

export function isIssueStore(x: unknown): x is IssueStore {
  return typeof (x as Partial<IssueStore> | undefined)?.recordOccurrences === 'function';
}
