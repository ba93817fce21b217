/**
 * A directory on a small, really full-able file system (tmpfs with a size limit), for tests of
 * what Summit does when its disk fills up. As root a tmpfs is mounted here and unmounted by
 * release(); otherwise the child runs in its own user and mount namespace (`unshare -rm`)
 * and mounts the tmpfs there. If neither works the test fails, saying what it needs: a disk-full
 * test that silently did not run would prove nothing.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tempDir } from './helpers.js';

export interface SmallVolume {
  /** The size-limited directory, as the child sees it. */
  readonly dir: string;
  /** Command-line prefix that runs a child so that it sees `dir` as the small volume (empty when mounted here). */
  readonly launcher: string[];
  /** Unmounts and removes the directory (a no-op for a namespace: it ends with the child). */
  release(): void;
}

function attempt(cmd: string, args: string[]): string | undefined {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    return undefined;
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    return `${cmd} ${args.join(' ')}: ${e.stderr?.toString().trim() || e.message}`;
  }
}

export function smallVolume(bytes: number): SmallVolume {
  const dir = tempDir('summit-small-volume-');
  const options = `size=${bytes},mode=0700`;
  const problems: string[] = [];
  if (process.getuid?.() === 0) {
    const failed = attempt('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
    if (!failed) {
      return {
        dir,
        launcher: [],
        release() {
          // Lazy: a child that is still exiting may hold a file open.
          attempt('umount', ['-l', dir]);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    problems.push(failed);
  }
  const mountScript = `mount -t tmpfs -o ${options} tmpfs "$0" && exec "$@"`;
  const failed = attempt('unshare', ['-rm', 'sh', '-c', mountScript, dir, 'true']);
  if (!failed) {
    return { dir, launcher: ['unshare', '-rm', 'sh', '-c', mountScript, dir], release: () => rmSync(dir, { recursive: true, force: true }) };
  }
  problems.push(failed);
  rmSync(dir, { recursive: true, force: true });
  throw new Error(
    `this test needs a size-limited directory and could not make one: run it as root (it mounts a tmpfs) or where unprivileged user namespaces are allowed (unshare -rm, e.g. sysctl kernel.unprivileged_userns_clone=1). Tried:\n  ${problems.join('\n  ')}`,
  );
}
