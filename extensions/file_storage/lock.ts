/**
 * One opener per queue directory. Within this process a reload may start the new pipeline
 * while the old one is still closing its queue; across processes a second Summit pointed at
 * the same directory (a mistake, but a common one) must not replay — or, closing, delete —
 * files another process is writing. The opener waits up to `timeout`, like upstream's lock on
 * its database file.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';

const held = new Map<string, Promise<void>>();
const LOCK_FILE = 'LOCK';
const POLL_MS = 25;

export async function acquireQueueLock(dir: string, timeoutMs: number): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  for (let current = held.get(dir); current; current = held.get(dir)) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new Error(`it is still in use by another component of this process (waited ${timeoutMs}ms; see timeout)`);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([current, new Promise<void>((r) => (timer = setTimeout(r, remaining)))]);
    clearTimeout(timer);
  }
  let releaseInProcess!: () => void;
  held.set(dir, new Promise<void>((r) => (releaseInProcess = r)));
  const dropInProcess = () => {
    held.delete(dir);
    releaseInProcess();
  };
  let lockPath: string;
  try {
    lockPath = await lockFile(dir, deadline, timeoutMs);
  } catch (err) {
    dropInProcess();
    throw err;
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    await unlink(lockPath).catch(() => {});
    dropInProcess();
  };
}

/** Creates `dir/LOCK` naming this process, taking over a lock whose process is gone. */
async function lockFile(dir: string, deadline: number, timeoutMs: number): Promise<string> {
  const path = join(dir, LOCK_FILE);
  const me = await identity(process.pid);
  for (;;) {
    try {
      const fh = await open(path, 'wx');
      try {
        await fh.writeFile(me);
      } finally {
        await fh.close();
      }
      return path;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readFile(path, 'utf8').catch(() => '');
    if (!(await isRunning(holder, me))) {
      await unlink(path).catch(() => {});
      continue;
    }
    if (Date.now() >= deadline) {
      throw new Error(`it is in use by process ${holder.split(':')[0]} (waited ${timeoutMs}ms; see timeout); if no Summit runs with that pid, delete ${path}`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/**
 * `pid:start` where `start` is the process's start time on Linux, so a lock left by a killed
 * process is not mistaken for a live one when its pid was reused (a restarted container often
 * gets the same pid).
 */
async function identity(pid: number): Promise<string> {
  return `${pid}:${await startTime(pid)}`;
}

async function startTime(pid: number): Promise<string> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Field 22, counted after the parenthesised command name (which may contain spaces).
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

async function isRunning(holder: string, me: string): Promise<boolean> {
  const [pidText, start] = holder.trim().split(':');
  const pid = Number(pidText);
  // Empty or garbled: its writer died between creating and writing it.
  if (!Number.isInteger(pid) || pid <= 0) return false;
  // Written by this very process, which no longer holds it in memory: left by an earlier opener.
  if (holder.trim() === me) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return start === undefined || start === '' || start === (await startTime(pid));
}
