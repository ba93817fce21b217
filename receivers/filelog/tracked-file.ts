/**
 * One file being read: its identity (fingerprint: its first bytes), how far it was read and how
 * far the pipeline accepted it, and the bytes read past the last whole record.
 */
import type { FileHandle } from 'node:fs/promises';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { Splitter, type Token } from './splitter.js';

const gunzipAsync = promisify(gunzip);
/** Bytes read from a file at once. */
const READ_CHUNK = 256 * 1024;

/** What survives a restart (and a file's rotation) of one file. */
export interface FileState {
  fingerprint: Buffer;
  /** Bytes accepted by the pipeline (of the decompressed content for gzip). */
  offset: number;
  path: string;
  /** The inode the offset was read in (absent in checkpoints of older versions). */
  inode?: number;
  /** The file's header (`header:`): whether it was read to its end, and the attributes its lines gave. */
  header?: FileHeader;
}

export interface FileHeader {
  done: boolean;
  attributes: Record<string, unknown>;
}

let nextKey = 0;

export class TrackedFile {
  /** Distinguishes this file from every other in this process, for held entries. */
  readonly key = `f${++nextKey}`;
  /** Bytes turned into records (the next read starts at offset + pending.length). */
  offset: number;
  /** Bytes whose records the pipeline accepted: what a checkpoint stores. */
  committed: number;
  private pending = Buffer.alloc(0);
  /** When the file last grew, for force_flush_period. */
  private grewAt = Date.now();
  private gz?: { rawSize: number; data: Buffer };
  warnedInvalid = false;
  /**
   * The handle's file no longer starts with the fingerprint (truncated in place, as copytruncate
   * does): nothing more is read from it; the copy, or the file's new content, is found by the next poll.
   */
  private replaced = false;

  constructor(
    public fd: FileHandle,
    /** The inode of the handle's file: a file that shrank in place starts over, a shorter copy does not. */
    public inode: number | undefined,
    public path: string,
    public fingerprint: Buffer,
    offset: number,
    readonly splitter: Splitter,
    readonly gzip: boolean,
    public header: FileHeader = { done: false, attributes: {} },
  ) {
    this.offset = offset;
    this.committed = offset;
  }

  state(): FileState {
    return { fingerprint: this.fingerprint, offset: this.committed, path: this.path, inode: this.inode, header: this.header };
  }

  /**
   * Continues in a newer handle of the same file (found again, maybe under a new name). Shorter
   * than what was read: a copy (another inode; copytruncate copies before it truncates, so lines
   * written in between were read from the original but are not in the copy) ends where it ends;
   * the same file shrank in place, was written anew, and is read from its start (returns true).
   */
  async adopt(fd: FileHandle, inode: number | undefined, path: string, size: number): Promise<boolean> {
    if (fd !== this.fd) await this.fd.close().catch(() => undefined);
    const shorter = !this.gzip && size < this.offset;
    const inPlace = shorter && (inode === undefined || this.inode === undefined || inode === this.inode);
    this.fd = fd;
    if (inode !== undefined) this.inode = inode;
    this.path = path;
    this.replaced = false;
    if (inPlace) {
      this.header = { done: false, attributes: {} };
      this.offset = 0;
      this.committed = 0;
      this.gz = undefined;
    } else if (shorter) {
      this.offset = size;
      this.committed = Math.min(this.committed, size);
    }
    if (shorter) this.pending = Buffer.alloc(0);
    return inPlace;
  }

  /**
   * The next records after what was read (of one chunk read); [] once the file
   * has nothing more (a last line without newline counts once the file did not grow for
   * `flushAfterMs`).
   */
  async read(flushAfterMs: number): Promise<Token[]> {
    if (this.gzip) return this.readGzip();
    for (;;) {
      if (this.replaced) return [];
      const chunk = Buffer.allocUnsafe(READ_CHUNK);
      const { bytesRead } = await this.fd.read(chunk, 0, READ_CHUNK, this.offset + this.pending.length);
      // checked after the read: a chunk read across a truncation is not the file's
      if (bytesRead > 0 && !(await this.stillStartsWithFingerprint())) {
        this.replaced = true;
        return [];
      }
      if (bytesRead > 0) {
        this.grewAt = Date.now();
        this.pending = this.pending.length === 0 ? chunk.subarray(0, bytesRead) : Buffer.concat([this.pending, chunk.subarray(0, bytesRead)]);
      }
      const flush = bytesRead === 0 && Date.now() - this.grewAt >= flushAfterMs;
      const { tokens, consumed } = this.splitter.split(this.pending, this.offset, flush);
      this.offset += consumed;
      this.pending = this.pending.subarray(consumed);
      if (tokens.length > 0 || bytesRead === 0) return tokens;
    }
  }

  private async stillStartsWithFingerprint(): Promise<boolean> {
    const head = Buffer.allocUnsafe(this.fingerprint.length);
    const { bytesRead } = await this.fd.read(head, 0, head.length, 0);
    return bytesRead === head.length && head.equals(this.fingerprint);
  }

  /** A gzip file is complete when it appears; it is read whole, again only if it grows (a new member appended). */
  private async readGzip(): Promise<Token[]> {
    const { size } = await this.fd.stat();
    if (this.gz && this.gz.rawSize === size && this.offset >= this.gz.data.length) return [];
    if (!this.gz || this.gz.rawSize !== size) {
      const raw = Buffer.alloc(size);
      await this.fd.read(raw, 0, size, 0);
      this.gz = { rawSize: size, data: await gunzipAsync(raw) };
    }
    const { tokens, consumed } = this.splitter.split(this.gz.data.subarray(this.offset), this.offset, true);
    this.offset += consumed;
    return tokens;
  }

  /** Whether everything in the file was turned into records and accepted. */
  async done(): Promise<boolean> {
    const size = this.gzip ? (this.gz?.data.length ?? -1) : (await this.fd.stat()).size;
    return this.pending.length === 0 && this.committed >= size;
  }

  async close(): Promise<void> {
    await this.fd.close().catch(() => undefined);
  }
}
