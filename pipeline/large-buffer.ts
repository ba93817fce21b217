/**
 * Buffers the size of a whole large request body (4 MiB and more), taken from the kernel rather
 * than from malloc. glibc raises its mmap threshold to the size of the largest mmapped block
 * freed (up to 32 MiB): after one 20 MiB body, every smaller buffer came from its heaps, which
 * keep freed memory resident — 100–300 MiB of RSS under the mutation fuzz (bench/README.md,
 * `fuzz`). V8 maps a resizable ArrayBuffer's memory itself and unmaps it when the buffer is
 * collected, so glibc never sees these blocks and its threshold stays at most 4 MiB.
 *
 * Fresh pages cost: ~4 ms of CPU per MiB (page faults, the kernel zeroing them) against ~0.5 ms
 * for a buffer malloc reuses. So only buffers of 4 MiB and more take this path: requests that
 * big are rare (an SDK sends ~0.1–1 MiB, a Collector's batch of 8192 spans ~2–4 MiB), and
 * fixing glibc's threshold at 4 MiB kept as much memory off the fuzz as fixing it at 128 KiB.
 */

/** Smaller buffers come from Node's allocator as usual. */
export const LARGE_BUFFER_BYTES = 4 << 20;

type ResizableArrayBufferConstructor = new (byteLength: number, options: { maxByteLength: number }) => ArrayBuffer;

/**
 * A Buffer of `size` uninitialised-or-zeroed bytes (callers overwrite all of them), on an
 * ArrayBuffer of its own (never a slice of Node's pool: it can be transferred whole).
 */
export function allocLarge(size: number): Buffer<ArrayBuffer> {
  if (size < LARGE_BUFFER_BYTES) return Buffer.allocUnsafeSlow(size);
  return Buffer.from(new (ArrayBuffer as ResizableArrayBufferConstructor)(size, { maxByteLength: size }), 0, size);
}

/** `Buffer.concat(chunks, size)`, with a large result allocated by allocLarge. */
export function concatLarge(chunks: readonly Uint8Array[], size: number): Buffer {
  if (chunks.length === 1 && chunks[0].length === size) return Buffer.isBuffer(chunks[0]) ? chunks[0] : Buffer.from(chunks[0].buffer, chunks[0].byteOffset, size);
  const out = allocLarge(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

type GrowableSharedArrayBufferConstructor = new (byteLength: number, options: { maxByteLength: number }) => SharedArrayBuffer;

/** A SharedArrayBuffer of `size` bytes, mapped by V8 itself when large (growable, never grown). */
export function allocLargeShared(size: number): SharedArrayBuffer {
  if (size < LARGE_BUFFER_BYTES) return new SharedArrayBuffer(size);
  return new (SharedArrayBuffer as GrowableSharedArrayBufferConstructor)(size, { maxByteLength: size });
}
