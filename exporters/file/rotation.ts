/**
 * Backup files as lumberjack (upstream's rotating writer) names and prunes them:
 * `<name>-<2006-01-02T15-04-05.000><ext>` next to the live file.
 */
import { access, readdir, rm } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function formatStamp(t: Date, localTime: boolean): string {
  const [y, mo, d, h, mi, s, ms] = localTime
    ? [t.getFullYear(), t.getMonth() + 1, t.getDate(), t.getHours(), t.getMinutes(), t.getSeconds(), t.getMilliseconds()]
    : [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate(), t.getUTCHours(), t.getUTCMinutes(), t.getUTCSeconds(), t.getUTCMilliseconds()];
  return `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}-${pad(mi)}-${pad(s)}.${pad(ms, 3)}`;
}

const STAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})-(\d{2})\.(\d{3})$/;

export function parseStamp(stamp: string, localTime: boolean): Date | undefined {
  const m = STAMP.exec(stamp);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s, ms] = m.slice(1).map(Number);
  const t = localTime ? new Date(y, mo - 1, d, h, mi, s, ms) : new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms));
  return Number.isNaN(t.getTime()) ? undefined : t;
}

function split(path: string): { dir: string; prefix: string; ext: string } {
  const ext = extname(path);
  const name = basename(path);
  return { dir: dirname(path), prefix: `${name.slice(0, name.length - ext.length)}-`, ext };
}

export function backupName(path: string, t: Date, localTime: boolean): string {
  const { dir, prefix, ext } = split(path);
  return join(dir, `${prefix}${formatStamp(t, localTime)}${ext}`);
}

/**
 * A backup name not yet taken. Two rotations within one millisecond would otherwise make the
 * second rename overwrite the first backup (lumberjack has that flaw); stepping the stamp keeps
 * names parseable and ordered.
 */
export async function freeBackupName(path: string, t: Date, localTime: boolean): Promise<string> {
  for (let ms = t.getTime(); ; ms++) {
    const candidate = backupName(path, new Date(ms), localTime);
    const taken = await access(candidate).then(
      () => true,
      () => false,
    );
    if (!taken) return candidate;
  }
}

export interface Backup {
  path: string;
  time: Date;
}

export async function listBackups(path: string, localTime: boolean): Promise<Backup[]> {
  const { dir, prefix, ext } = split(path);
  const out: Backup[] = [];
  for (const name of await readdir(dir)) {
    if (!name.startsWith(prefix) || !name.endsWith(ext)) continue;
    const time = parseStamp(name.slice(prefix.length, name.length - ext.length), localTime);
    if (time) out.push({ path: join(dir, name), time });
  }
  return out;
}

/** lumberjack's retention: keep the newest `maxBackups` (0 = all), none older than `maxDays` (0 = any age). */
export function backupsToRemove(backups: Backup[], maxBackups: number, maxDays: number, now: number): Backup[] {
  const newestFirst = [...backups].sort((a, b) => b.time.getTime() - a.time.getTime());
  const kept = maxBackups > 0 ? newestFirst.slice(0, maxBackups) : newestFirst;
  const removed = maxBackups > 0 ? newestFirst.slice(maxBackups) : [];
  if (maxDays > 0) {
    const cutoff = now - maxDays * 24 * 60 * 60 * 1000;
    removed.push(...kept.filter((b) => b.time.getTime() < cutoff));
  }
  return removed;
}

export async function pruneBackups(path: string, opts: { maxBackups: number; maxDays: number; localTime: boolean }, now = Date.now()): Promise<void> {
  const doomed = backupsToRemove(await listBackups(path, opts.localTime), opts.maxBackups, opts.maxDays, now);
  await Promise.all(doomed.map((b) => rm(b.path, { force: true })));
}
