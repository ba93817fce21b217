/**
 * Files by content: artifacts under `objects/<sha256>` and upload chunks under
 * `chunks/<sha1>`, each written to a temporary name and renamed, so a crash never leaves a
 * half file under a real name and the same bytes are kept once.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const HEX = /^[0-9a-f]+$/;

export class BlobDirectory {
  private readonly objects: string;
  private readonly chunks: string;
  /** Bytes of the chunks waiting to be assembled. */
  chunkBytes = 0;

  constructor(readonly dir: string) {
    this.objects = join(dir, 'objects');
    this.chunks = join(dir, 'chunks');
    mkdirSync(this.objects, { recursive: true, mode: 0o750 });
    mkdirSync(this.chunks, { recursive: true, mode: 0o750 });
    for (const name of readdirSync(this.chunks)) this.chunkBytes += statSync(join(this.chunks, name)).size;
  }

  /** Stores `data` under its SHA-256 and returns it. */
  putObject(data: Buffer): string {
    const sha256 = createHash('sha256').update(data).digest('hex');
    const path = join(this.objects, sha256);
    if (!existsSync(path)) atomicWrite(path, data);
    return sha256;
  }

  object(sha256: string): Buffer {
    return readFileSync(join(this.objects, checkedName(sha256)));
  }

  hasChunk(sha1: string): boolean {
    return existsSync(join(this.chunks, checkedName(sha1)));
  }

  /** Stores a chunk after checking that its bytes are what its name says. */
  putChunk(sha1: string, data: Buffer): void {
    const actual = createHash('sha1').update(data).digest('hex');
    if (actual !== sha1) throw new Error(`chunk ${sha1}: its content has SHA-1 ${actual}`);
    const path = join(this.chunks, checkedName(sha1));
    if (existsSync(path)) return;
    atomicWrite(path, data);
    this.chunkBytes += data.length;
  }

  chunk(sha1: string): Buffer {
    return readFileSync(join(this.chunks, checkedName(sha1)));
  }

  dropChunk(sha1: string): void {
    const path = join(this.chunks, checkedName(sha1));
    try {
      const size = statSync(path).size;
      unlinkSync(path);
      this.chunkBytes -= size;
    } catch {
      // already gone: another assemble of the same bundle used it
    }
  }
}

/** Names are hex digests; anything else (a path) never reaches the file system. */
function checkedName(name: string): string {
  if (!HEX.test(name) || name.length > 64) throw new Error(`"${name.slice(0, 80)}" is not a hex digest`);
  return name;
}

function atomicWrite(path: string, data: Buffer): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode: 0o640 });
  renameSync(tmp, path);
}
