/**
 * A queue directory that cannot be written — the disk is full, the file system was remounted
 * read-only, the device fails. Two things follow from a failed write:
 *
 * - Refusing: new data is refused at once with a retryable error, and a write is let through
 *   only when it may succeed: right after the queue freed space itself, or once per
 *   PROBE_INTERVAL_MS (space freed by someone else, a remount). The first write that lands ends
 *   it, so a draining backlog makes room for new data segment by segment.
 * - An episode, for the operator: logged once when it starts and once when it ends, and shown
 *   in self-telemetry. It ends only once no write failed for QUIET_MS, so a disk that fills
 *   again each time a segment drains is one episode, not a line per segment.
 */
import type { Logger } from 'pino';

/** Told when an episode starts and ends, and of every write that failed. */
export interface QueueHealth {
  unwritable(on: boolean): void;
  writeFailed(code: string): void;
}

const CAUSES: Record<string, { what: string; until: string }> = {
  ENOSPC: { what: 'disk full', until: 'space is freed' },
  EDQUOT: { what: 'disk quota exceeded', until: 'space is freed' },
  EROFS: { what: 'read-only file system', until: 'it is writable again' },
  EIO: { what: 'I/O error', until: 'writes succeed again' },
};

export const PROBE_INTERVAL_MS = 1000;
export const QUIET_MS = 10_000;

/** What an append gets while the directory cannot be written: the batch was not stored. */
export class UnwritableStorageError extends Error {
  constructor(
    readonly code: string,
    cause?: unknown,
  ) {
    super(`${CAUSES[code].what} (${code}); refusing new data until ${CAUSES[code].until}`, cause === undefined ? undefined : { cause });
    this.name = 'UnwritableStorageError';
  }
}

function errorCode(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A failure that lasts until the disk changes, not one bad write. */
export function isUnwritable(err: unknown): boolean {
  return err instanceof UnwritableStorageError || (errorCode(err) ?? '') in CAUSES;
}

interface Refusal {
  code: string;
  lastTry: number;
  /** The queue freed space since the last try: the next append may get through. */
  freed: boolean;
}

interface Episode {
  code: string;
  since: number;
  lastFailure: number;
  refused: number;
  timer?: NodeJS.Timeout;
}

export class WriteOutage {
  private refusal?: Refusal;
  private episode?: Episode;

  constructor(
    private readonly dir: string,
    private readonly logger: Logger,
    private readonly health: QueueHealth | undefined,
    private readonly quietMs = QUIET_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** New data is being refused (the last write failed). */
  get refusing(): boolean {
    return this.refusal !== undefined;
  }

  /** Throws while refusing; lets an append through when one may succeed. */
  admit(): void {
    const r = this.refusal;
    if (!r) return;
    if (r.freed || this.now() - r.lastTry >= PROBE_INTERVAL_MS) {
      r.freed = false;
      r.lastTry = this.now();
      return;
    }
    throw new UnwritableStorageError(r.code);
  }

  /** An append was refused (at once, or because its write failed). */
  refused(): void {
    if (this.episode) this.episode.refused++;
  }

  /** A write failed: returns what its callers get; refuses from now on when the disk is the cause. */
  failed(err: unknown, backlog: () => string): Error {
    const code = errorCode(err);
    this.health?.writeFailed(code ?? 'unknown');
    if (code === undefined || !(code in CAUSES)) return err as Error;
    const t = this.now();
    this.refusal = { code, lastTry: t, freed: false };
    if (this.episode) {
      this.episode.lastFailure = t;
      return new UnwritableStorageError(code, err);
    }
    this.episode = { code, since: t, lastFailure: t, refused: 0 };
    this.health?.unwritable(true);
    const { what, until } = CAUSES[code];
    this.logger.error(
      { err, dir: this.dir, code },
      `file_storage: ${what} at ${this.dir}: ${(err as Error).message}; refusing new data until ${until} (${backlog()})`,
    );
    return new UnwritableStorageError(code, err);
  }

  /** A write landed: accepting again; the episode ends once no write failed for the quiet period. */
  succeeded(): void {
    if (!this.refusal) return;
    this.refusal = undefined;
    const e = this.episode;
    if (!e) return;
    clearTimeout(e.timer);
    e.timer = setTimeout(() => this.endIfQuiet(e), Math.max(0, e.lastFailure + this.quietMs - this.now()));
    e.timer.unref();
  }

  spaceFreed(): void {
    if (this.refusal) this.refusal.freed = true;
  }

  close(): void {
    clearTimeout(this.episode?.timer);
  }

  private endIfQuiet(e: Episode): void {
    // Failed again meanwhile: the next write that lands schedules another look.
    if (this.episode !== e || this.refusal) return;
    const wait = e.lastFailure + this.quietMs - this.now();
    if (wait > 0) {
      e.timer = setTimeout(() => this.endIfQuiet(e), wait);
      e.timer.unref();
      return;
    }
    this.episode = undefined;
    this.health?.unwritable(false);
    const seconds = (e.lastFailure - e.since) / 1000;
    this.logger.info(
      { dir: this.dir, code: e.code, refused_batches: e.refused, seconds },
      `file_storage: ${this.dir} is writable again (${CAUSES[e.code].what} for ${seconds.toFixed(1)}s, no failed write since); accepting new data (${e.refused} batches were refused meanwhile)`,
    );
  }
}
