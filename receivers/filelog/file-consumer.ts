/**
 * The filelog receiver's poll loop (upstream's fileconsumer): every poll_interval it finds the
 * matching files, recognises each by fingerprint (so a renamed, copied or restarted file
 * continues where it was), reads what is new, and commits offsets once the pipeline accepted
 * the records.
 */
import { open, realpath, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Logger } from 'pino';
import { newEntry, type Entry } from '../../pipeline/stanza/entry.js';
import type { Emitter } from '../../pipeline/stanza/emitter.js';
import type { OperatorPipeline } from '../../pipeline/stanza/operators.js';
import type { Checkpoints } from './checkpoints.js';
import { findFiles } from './glob.js';
import { Splitter } from './splitter.js';
import { TrackedFile, type FileState } from './tracked-file.js';

export interface FileConsumerSettings {
  include: string[];
  exclude: string[];
  startAtBeginning: boolean;
  pollIntervalMs: number;
  fingerprintSize: number;
  maxLogSize: number;
  maxConcurrentFiles: number;
  encoding: string;
  multiline?: { line_start_pattern?: string; line_end_pattern?: string };
  forceFlushMs: number;
  includeFileName: boolean;
  includeFilePath: boolean;
  includeFileNameResolved: boolean;
  includeFilePathResolved: boolean;
  deleteAfterRead: boolean;
  isGzip: (path: string) => boolean;
  /** Skip files not modified for this long (0: none). */
  excludeOlderThanMs: number;
  /** ordering_criteria: the paths of a poll to read. */
  selectPaths: (paths: string[]) => Promise<string[]>;
  /** Leading lines matching `pattern` are a header: not records, but attributes of every record of the file. */
  header?: { pattern: RegExp; operators: OperatorPipeline };
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

/** Records handed to the pipeline at once. */
const BATCH_RECORDS = 4096;
const BATCH_BYTES = 4 * 1024 * 1024;
/** Polls a file's state is remembered after it was last seen (rotation without an include match). */
const HISTORY_POLLS = 3;

interface Candidate {
  path: string;
  fd: FileHandle;
  inode: number;
  size: number;
  fingerprint: Buffer;
}

function isPrefix(prefix: Buffer, of: Buffer): boolean {
  return prefix.length <= of.length && of.subarray(0, prefix.length).equals(prefix);
}

export class FileConsumer {
  private active: TrackedFile[] = [];
  private history: { state: FileState; seenPoll: number }[] = [];
  private polls = 0;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private batch: Entry[] = [];
  private batchBytes = 0;
  /** Files read since the last flush, and the offset up to which their records are in the batch. */
  private readonly touched = new Map<TrackedFile, number>();
  private readonly warnedPaths = new Set<string>();
  private readonly push = (e: Entry) => void this.batch.push(e);
  private readonly hasResource: boolean;
  /** Files with an open handle: from the last poll and the one running. */
  private readonly open = new Set<TrackedFile>();

  constructor(
    private readonly s: FileConsumerSettings,
    private readonly operators: OperatorPipeline,
    private readonly emitter: Emitter,
    private readonly logger: Logger,
    private readonly checkpoints: Checkpoints | undefined,
    restored: FileState[],
  ) {
    this.history = restored.map((state) => ({ state, seenPoll: 0 }));
    this.hasResource = Object.keys(s.resource).length > 0;
  }

  start(): void {
    const tick = () => {
      this.running = this.poll()
        .catch((err) => this.logger.error({ err: (err as Error).message }, 'filelog poll failed'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.s.pollIntervalMs);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.emitter.stop();
    await this.running;
    for (const f of this.open) await f.close();
    this.open.clear();
    this.active = [];
    await this.checkpoints?.close();
  }

  /** One poll: find, match, read every file to its end. */
  async poll(): Promise<void> {
    this.polls++;
    const paths = await this.s.selectPaths(await findFiles(this.s.include, this.s.exclude));
    const previous = this.active;
    const matched = new Set<TrackedFile>();
    const next: TrackedFile[] = [];
    const chunk = Math.max(1, Math.floor(this.s.maxConcurrentFiles / 2));
    for (let i = 0; i < paths.length && !this.stopped; i += chunk) {
      const candidates = dedupe(await this.openAll(paths.slice(i, i + chunk)));
      const files: TrackedFile[] = [];
      for (const c of candidates) files.push(await this.track(c, previous, matched));
      // files no longer found under a matching name (rotated away, deleted) are read to their end once
      if (i === 0) for (const lost of previous.filter((f) => !matched.has(f))) await this.readToEnd(lost);
      for (const f of files) await this.readToEnd(f);
      await this.flush();
      for (const f of files) await this.afterRead(f, next);
    }
    if (paths.length === 0) for (const lost of previous) await this.readToEnd(lost);
    await this.flush();
    for (const f of previous) if (!matched.has(f)) await this.retire(f);
    // more files than max_concurrent_files / 2: only the last chunk stays open until the next poll
    while (next.length > chunk) await this.retire(next.shift()!);
    this.active = next;
    this.history = this.history.filter((h) => this.polls - h.seenPoll <= HISTORY_POLLS);
  }

  private warnOnce(path: string, message: string, err?: unknown): void {
    const key = `${path}\0${message}`;
    if (this.warnedPaths.has(key)) return;
    this.warnedPaths.add(key);
    this.logger.warn({ path, ...(err ? { err: (err as Error).message } : {}) }, message);
  }

  private async openAll(paths: string[]): Promise<Candidate[]> {
    const out: Candidate[] = [];
    for (const path of paths) {
      try {
        // checked before opening: opening a FIFO would block until a writer appears
        const info = await stat(path);
        if (!info.isFile()) {
          this.warnOnce(path, 'skipping a matched path that is not a regular file (a FIFO, socket or device cannot be tracked by offset)');
          continue;
        }
        if (info.size === 0) continue; // no fingerprint yet; read once it has content
        if (this.s.excludeOlderThanMs > 0 && Date.now() - info.mtimeMs > this.s.excludeOlderThanMs) continue;
        const fd = await open(path, 'r');
        const { size, ino: inode } = await fd.stat();
        const fpLen = Math.min(size, this.s.fingerprintSize);
        const fingerprint = Buffer.alloc(fpLen);
        await fd.read(fingerprint, 0, fpLen, 0);
        out.push({ path, fd, inode, size, fingerprint });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') continue; // vanished between listing and opening
        this.warnOnce(path, code === 'EACCES' ? 'cannot read a matched file: permission denied; skipping it' : 'cannot open a matched file; skipping it', err);
      }
    }
    return out;
  }

  /** The reader of a found file: the one it was before (same fingerprint), or a new one. */
  private async track(c: Candidate, previous: TrackedFile[], matched: Set<TrackedFile>): Promise<TrackedFile> {
    const prior = previous.find((f) => !matched.has(f) && isPrefix(f.fingerprint, c.fingerprint));
    if (prior) {
      matched.add(prior);
      if (await prior.adopt(c.fd, c.inode, c.path, c.size)) this.logger.info({ path: c.path }, 'file shrank (truncated); reading it from the start');
      // the file grew past its fingerprint's length: identify it by more bytes from now on
      if (prior.fingerprint.length < c.fingerprint.length) prior.fingerprint = c.fingerprint;
      return prior;
    }
    const known = this.history.findIndex((h) => isPrefix(h.state.fingerprint, c.fingerprint));
    const gzip = this.s.isGzip(c.path);
    const splitter = new Splitter(this.s.encoding, this.s.maxLogSize, this.s.multiline);
    if (known >= 0) {
      const { offset, header, inode } = this.history[known].state;
      this.history.splice(known, 1);
      const f = new TrackedFile(c.fd, inode, c.path, c.fingerprint, offset, splitter, gzip, header);
      if (await f.adopt(c.fd, c.inode, c.path, c.size)) this.logger.info({ path: c.path }, 'file shrank (truncated); reading it from the start');
      this.open.add(f);
      return f;
    }
    const offset = this.polls === 1 && !this.s.startAtBeginning ? (gzip ? Number.MAX_SAFE_INTEGER : c.size) : 0;
    const f = new TrackedFile(c.fd, c.inode, c.path, c.fingerprint, offset, splitter, gzip);
    this.open.add(f);
    return f;
  }

  private async readToEnd(f: TrackedFile): Promise<void> {
    const resolved = this.s.includeFileNameResolved || this.s.includeFilePathResolved ? await realpath(f.path).catch(() => f.path) : f.path;
    for (;;) {
      if (this.stopped) return;
      let tokens;
      try {
        tokens = await f.read(this.s.forceFlushMs);
      } catch (err) {
        this.warnOnce(f.path, 'cannot read file; skipping it until it changes', err);
        return;
      }
      if (tokens.length === 0) break;
      const observed = BigInt(Date.now()) * 1_000_000n;
      const attributes: Record<string, unknown> = { ...this.s.attributes };
      if (this.s.includeFileName) attributes['log.file.name'] = basename(f.path);
      if (this.s.includeFilePath) attributes['log.file.path'] = f.path;
      if (this.s.includeFileNameResolved) attributes['log.file.name_resolved'] = basename(resolved);
      if (this.s.includeFilePathResolved) attributes['log.file.path_resolved'] = resolved;
      for (const t of tokens) {
        if (this.readHeaderLine(f, t.text, observed)) {
          this.touched.set(f, t.end);
          continue;
        }
        const e = newEntry(t.text, observed);
        e.source = { key: f.key, start: t.start, end: t.end };
        e.attributes = f.header.done && this.s.header ? { ...attributes, ...f.header.attributes } : { ...attributes };
        if (this.hasResource) e.resource = { ...this.s.resource };
        this.operators.process(e, this.push);
        this.batchBytes += t.end - t.start;
        this.touched.set(f, t.end);
        if (this.batch.length >= BATCH_RECORDS || this.batchBytes >= BATCH_BYTES) await this.flush();
      }
      // bytes after the last record (blank lines) are done too
      this.touched.set(f, f.offset);
      if (f.splitter.invalidLines > 0 && !f.warnedInvalid) {
        f.warnedInvalid = true;
        this.logger.warn({ path: f.path, encoding: this.s.encoding }, 'file has bytes invalid in its encoding; they are replaced by U+FFFD');
      }
    }
  }

  /** Whether a line is part of the file's header (then its metadata_operators' attributes are the file's); the first line that is not ends the header. */
  private readHeaderLine(f: TrackedFile, text: string, observed: bigint): boolean {
    if (!this.s.header || f.header.done) return false;
    if (!this.s.header.pattern.test(text)) {
      f.header.done = true;
      return false;
    }
    this.s.header.operators.process(newEntry(text, observed), (x) => Object.assign(f.header.attributes, x.attributes));
    return true;
  }

  /** Hands the records read so far to the pipeline; once accepted, their files' offsets are committed. */
  private async flush(): Promise<void> {
    this.operators.flushStale((e) => this.batch.push(e));
    const entries = this.batch;
    const files = [...this.touched].map(([f, offset]) => ({ f, offset }));
    this.batch = [];
    this.batchBytes = 0;
    this.touched.clear();
    if (files.length === 0 && entries.length === 0) return;
    const outcome = await this.emitter.deliver(entries);
    if (outcome === 'stopped') return;
    const held = this.operators.heldStarts();
    for (const { f, offset } of files) f.committed = Math.max(f.committed, Math.min(offset, held.get(f.key) ?? Infinity));
    await this.checkpoints?.save(this.states());
  }

  private states(): FileState[] {
    return [...this.open].map((f) => f.state()).concat(this.history.map((h) => h.state));
  }

  private async afterRead(f: TrackedFile, next: TrackedFile[]): Promise<void> {
    if (this.s.deleteAfterRead && (await f.done())) {
      await this.close(f);
      await unlink(f.path).catch((err) => this.warnOnce(f.path, 'cannot delete a file that was read (delete_after_read)', err));
      return;
    }
    next.push(f);
  }

  private async close(f: TrackedFile): Promise<void> {
    this.open.delete(f);
    await f.close();
  }

  /** A file no longer open: its state is remembered for a few polls, in case it shows up again. */
  private async retire(f: TrackedFile): Promise<void> {
    await this.close(f);
    this.history.push({ state: f.state(), seenPoll: this.polls });
  }
}

/** Two paths with the same first bytes are one file seen twice (a copy mid-rotation, a hard link): read one. */
function dedupe(cs: Candidate[]): Candidate[] {
  const out: Candidate[] = [];
  for (const c of cs) {
    if (out.some((o) => isPrefix(o.fingerprint, c.fingerprint) || isPrefix(c.fingerprint, o.fingerprint))) {
      void c.fd.close();
      continue;
    }
    out.push(c);
  }
  return out;
}
