/**
 * Structured errors, shared by every component that handles them: Sentry's event protocol for
 * frames and exceptions, field for field (snake_case, as the JSON of a Sentry event spells
 * them), so a Sentry event stored in a log record body and an OpenTelemetry error parsed from
 * `exception.stacktrace` text end up in the same shape.
 *
 * Order is Sentry's everywhere: frames oldest call first, the crashing frame last; exceptions
 * the innermost cause first, the exception that was raised last (the one an issue is titled
 * after) last.
 */

export interface Frame {
  /** The path as the runtime reported it, relative or absolute (`src/app.js`, `Foo.java`). */
  filename?: string;
  /** The absolute path or URL (`/app/src/app.js`, `https://cdn.example/app.min.js`). */
  abs_path?: string;
  /** Module / class / package the code belongs to (`com.example.Foo`, `requests.adapters`). */
  module?: string;
  /** Native: the binary image (`/usr/lib/libc.so.6`). */
  package?: string;
  function?: string;
  /** The function name before SDK or server trimming (native and C# signatures). */
  raw_function?: string;
  symbol?: string;
  lineno?: number;
  colno?: number;
  /** Whether the frame is the application's own code; undefined = unknown. */
  in_app?: boolean;
  context_line?: string;
  pre_context?: string[];
  post_context?: string[];
  /** Local variables, as the SDK sent them. */
  vars?: Record<string, unknown>;
  /** Set when the frame's platform differs from the event's (mixed stacks). */
  platform?: string;
  instruction_addr?: string;
  /** Processing metadata (`sourcemap`, `category`, `orig_in_app`, ...). */
  data?: Record<string, unknown>;
}

export interface Stacktrace {
  frames: Frame[];
}

export interface Mechanism {
  type?: string;
  handled?: boolean;
  /** The exception type was made up by the SDK (e.g. from a signal); it says nothing. */
  synthetic?: boolean;
  source?: string;
  exception_id?: number;
  parent_id?: number;
  is_exception_group?: boolean;
  meta?: Record<string, unknown>;
}

export interface ExceptionValue {
  type?: string;
  value?: string;
  module?: string;
  mechanism?: Mechanism;
  stacktrace?: Stacktrace;
  thread_id?: number | string;
}

export interface Thread {
  id?: number | string;
  name?: string;
  crashed?: boolean;
  current?: boolean;
  stacktrace?: Stacktrace;
}

/**
 * The part of a Sentry event that error handling reads: what grouping, titles and culprits
 * are computed from. The full event (breadcrumbs, contexts, request ...) stays in the record.
 */
export interface ErrorEvent {
  event_id?: string;
  /** Sentry platform: `javascript`, `node`, `python`, `java`, `go`, `native`, `cocoa`, `csharp`, ... */
  platform?: string;
  exception?: { values: ExceptionValue[] };
  threads?: { values: Thread[] };
  /** A stack without an exception (e.g. captureMessage with attachStacktrace). */
  stacktrace?: Stacktrace;
  logentry?: { message?: string; formatted?: string; params?: unknown[] };
  /** Client fingerprint; `{{ default }}` stands for Sentry's own grouping. */
  fingerprint?: string[];
  sdk?: { name?: string; version?: string };
  logger?: string;
  level?: string;
  release?: string;
  environment?: string;
  transaction?: string;
  culprit?: string;
  /** Tags as Sentry normalises them: a list of [key, value] pairs. */
  tags?: [string, string][];
  request?: { url?: string };
  template?: { filename?: string; abs_path?: string; context_line?: string; lineno?: number };
}
