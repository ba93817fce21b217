/**
 * Readers of Linux's /proc and /sys under `root_path` (a host's filesystem mounted into a
 * container), each returning plain numbers in the units the kernel gives.
 */
import { readdirSync, readFileSync, readlinkSync, statfsSync } from 'node:fs';
import { join } from 'node:path';

/** Clock ticks per second of /proc times (USER_HZ, 100 on every Linux architecture Node runs on). */
export const USER_HZ = 100;
/** /proc/diskstats counts 512-byte sectors whatever the device's own sector size. */
export const SECTOR_BYTES = 512;

export class ProcFs {
  constructor(readonly root: string) {}

  path(...parts: string[]): string {
    return join(this.root, ...parts);
  }

  read(...parts: string[]): string {
    return readFileSync(this.path(...parts), 'utf8');
  }

  /** Per-CPU times in seconds from /proc/stat, by state as upstream names them. */
  cpuTimes(): { cpu: string; times: Record<string, number> }[] {
    const out: { cpu: string; times: Record<string, number> }[] = [];
    for (const line of this.read('proc', 'stat').split('\n')) {
      const m = /^(cpu\d+)\s+(.*)$/.exec(line);
      if (!m) continue;
      const [user, nice, system, idle, iowait, irq, softirq, steal] = m[2].trim().split(/\s+/).map((v) => Number(v) / USER_HZ);
      out.push({ cpu: m[1], times: { user, nice, system, idle, wait: iowait, interrupt: irq, softirq, steal } });
    }
    return out;
  }

  /** Fields of /proc/stat that are one number each (btime, processes, procs_running, …). */
  statCounters(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const line of this.read('proc', 'stat').split('\n')) {
      const m = /^(\w+) (\d+)$/.exec(line);
      if (m) out[m[1]] = Number(m[2]);
    }
    return out;
  }

  loadAverage(): [number, number, number] {
    const [a, b, c] = this.read('proc', 'loadavg').split(' ').map(Number);
    return [a, b, c];
  }

  /** /proc/meminfo in bytes, by field name. */
  memInfo(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const line of this.read('proc', 'meminfo').split('\n')) {
      const m = /^(\w+(?:\(\w+\))?):\s+(\d+)(?: kB)?$/.exec(line);
      if (m) out[m[1]] = Number(m[2]) * (line.endsWith('kB') ? 1024 : 1);
    }
    return out;
  }

  /** /proc/diskstats rows. */
  diskStats(): { device: string; reads: number; readsMerged: number; readSectors: number; readMs: number; writes: number; writesMerged: number; writeSectors: number; writeMs: number; inProgress: number; ioMs: number; weightedMs: number }[] {
    return this.read('proc', 'diskstats')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => {
        const f = l.trim().split(/\s+/);
        const n = (i: number) => Number(f[i]);
        return { device: f[2], reads: n(3), readsMerged: n(4), readSectors: n(5), readMs: n(6), writes: n(7), writesMerged: n(8), writeSectors: n(9), writeMs: n(10), inProgress: n(11), ioMs: n(12), weightedMs: n(13) };
      });
  }

  /** Mounted filesystems from /proc/self/mounts (of the host's init under root_path). */
  mounts(): { device: string; mountpoint: string; type: string; options: string[] }[] {
    const file = this.root === '/' ? this.read('proc', 'self', 'mounts') : this.read('proc', '1', 'mounts');
    return file
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => {
        const [device, mountpoint, type, options] = l.split(' ');
        return { device, mountpoint: unescapeMount(mountpoint), type, options: options.split(',') };
      });
  }

  /** Filesystem types the kernel marks `nodev` (virtual: proc, sysfs, tmpfs, overlay, …). */
  virtualFilesystemTypes(): Set<string> {
    const out = new Set<string>();
    for (const line of this.read('proc', 'filesystems').split('\n')) {
      const m = /^nodev\s+(\S+)/.exec(line);
      if (m) out.add(m[1]);
    }
    return out;
  }

  statfs(mountpoint: string) {
    return statfsSync(this.path(mountpoint));
  }

  /** /proc/net/dev counters per interface. */
  netDev(): { device: string; rxBytes: number; rxPackets: number; rxErrors: number; rxDropped: number; txBytes: number; txPackets: number; txErrors: number; txDropped: number }[] {
    return this.read('proc', 'net', 'dev')
      .split('\n')
      .slice(2)
      .filter((l) => l.includes(':'))
      .map((l) => {
        const [name, rest] = l.split(':');
        const f = rest.trim().split(/\s+/).map(Number);
        return { device: name.trim(), rxBytes: f[0], rxPackets: f[1], rxErrors: f[2], rxDropped: f[3], txBytes: f[8], txPackets: f[9], txErrors: f[10], txDropped: f[11] };
      });
  }

  /** TCP connections per state (upstream's names) from /proc/net/tcp and tcp6. */
  tcpStates(): Map<string, number> {
    const names: Record<string, string> = {
      '01': 'ESTABLISHED', '02': 'SYN_SENT', '03': 'SYN_RECV', '04': 'FIN_WAIT_1', '05': 'FIN_WAIT_2', '06': 'TIME_WAIT',
      '07': 'CLOSE', '08': 'CLOSE_WAIT', '09': 'LAST_ACK', '0A': 'LISTEN', '0B': 'CLOSING',
    };
    const counts = new Map<string, number>(Object.values(names).map((n) => [n, 0]));
    for (const file of ['tcp', 'tcp6']) {
      let text = '';
      try {
        text = this.read('proc', 'net', file);
      } catch {
        continue;
      }
      for (const line of text.split('\n').slice(1)) {
        const state = line.trim().split(/\s+/)[3];
        const name = state && names[state];
        if (name) counts.set(name, counts.get(name)! + 1);
      }
    }
    return counts;
  }

  /** Swap devices from /proc/swaps, sizes in bytes. */
  swaps(): { device: string; size: number; used: number }[] {
    return this.read('proc', 'swaps')
      .split('\n')
      .slice(1)
      .filter((l) => l.trim())
      .map((l) => {
        const f = l.trim().split(/\s+/);
        return { device: f[0], size: Number(f[2]) * 1024, used: Number(f[3]) * 1024 };
      });
  }

  vmstat(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const line of this.read('proc', 'vmstat').split('\n')) {
      const [k, v] = line.split(' ');
      if (k) out[k] = Number(v);
    }
    return out;
  }

  uptimeSeconds(): number {
    return Number(this.read('proc', 'uptime').split(' ')[0]);
  }

  pids(): number[] {
    return readdirSync(this.path('proc'))
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
  }

  /** /proc/<pid>/stat, the fields after the command name (which may hold spaces and parentheses). */
  processStat(pid: number): { comm: string; state: string; ppid: number; utime: number; stime: number; threads: number; startTicks: number; vsize: number; rssPages: number; minflt: number; majflt: number } {
    const text = this.read('proc', String(pid), 'stat');
    const open = text.indexOf('(');
    const close = text.lastIndexOf(')');
    const f = text.slice(close + 2).split(' ');
    // f[0] is field 3 (state); field n is f[n - 3]
    return {
      comm: text.slice(open + 1, close),
      state: f[0],
      ppid: Number(f[1]),
      minflt: Number(f[7]),
      majflt: Number(f[9]),
      utime: Number(f[11]) / USER_HZ,
      stime: Number(f[12]) / USER_HZ,
      threads: Number(f[17]),
      startTicks: Number(f[19]),
      vsize: Number(f[20]),
      rssPages: Number(f[21]),
    };
  }

  processStatus(pid: number): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of this.read('proc', String(pid), 'status').split('\n')) {
      const i = line.indexOf(':');
      if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
    }
    return out;
  }

  processIo(pid: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const line of this.read('proc', String(pid), 'io').split('\n')) {
      const [k, v] = line.split(': ');
      if (k) out[k] = Number(v);
    }
    return out;
  }

  processCmdline(pid: number): string[] {
    return this.read('proc', String(pid), 'cmdline').split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);
  }

  processExe(pid: number): string {
    return readlinkSync(this.path('proc', String(pid), 'exe'));
  }

  processFdCount(pid: number): number {
    return readdirSync(this.path('proc', String(pid), 'fd')).length;
  }

  /** User names by uid from /etc/passwd. */
  users(): Map<number, string> {
    const out = new Map<number, string>();
    try {
      for (const line of this.read('etc', 'passwd').split('\n')) {
        const f = line.split(':');
        if (f.length > 2) out.set(Number(f[2]), f[0]);
      }
    } catch {
      // no passwd: owners stay unnamed
    }
    return out;
  }
}

/** /proc/mounts escapes space, tab, newline and backslash as octal. */
function unescapeMount(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}
