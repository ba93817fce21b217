/**
 * One opener per queue directory within this process. A reload starts the new pipeline while
 * the old one may still be closing its queue: the newcomer waits (up to `timeout`) instead of
 * both writing the same log.
 */
const held = new Map<string, Promise<void>>();

export async function acquireQueueLock(path: string, timeoutMs: number): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (let current = held.get(path); current; current = held.get(path)) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new Error(`the queue in ${path} is still in use by another component (waited ${timeoutMs}ms; see timeout)`);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([current, new Promise<void>((r) => (timer = setTimeout(r, remaining)))]);
    clearTimeout(timer);
  }
  let release!: () => void;
  held.set(path, new Promise<void>((r) => (release = r)));
  let released = false;
  return () => {
    if (released) return;
    released = true;
    held.delete(path);
    release();
  };
}
