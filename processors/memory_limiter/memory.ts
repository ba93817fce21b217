/**
 * What the memory limiter reads from the machine: the memory the process holds, the memory it
 * can use (machine, cgroup limit, V8 heap limit), and a way to force a garbage collection. Each
 * is a plain function so tests inject their own instead of mocking globals.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';

/** One reading of the memory the process holds, in bytes. */
export interface MemoryInUse {
  /** The V8 heap in use: what runs into V8's heap limit ("JavaScript heap out of memory"). */
  heapBytes: number;
  /** The V8 heap in use plus memory held outside it (Buffers, ArrayBuffers, native objects): what runs into the machine's or the cgroup's memory. */
  heldBytes: number;
}

/**
 * What the process holds — Node's counterpart of the Go heap upstream measures. Not RSS: after
 * a flood the allocator may keep freed pages resident (seen with Node 24), and a limiter on RSS
 * would then refuse data long after it let go of it; retained pages are reused before RSS grows.
 */
export function processMemoryInUse(): MemoryInUse {
  const m = process.memoryUsage();
  return { heapBytes: m.heapUsed, heldBytes: m.heapUsed + m.external };
}

/** A file's text, or undefined when it cannot be read. */
export type ReadTextFile = (path: string) => string | undefined;

const readTextFile: ReadTextFile = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/** cgroup v1 writes a page-aligned LONG_MAX (9223372036854771712) for "no limit"; anything this big is none. */
const UNLIMITED = 2 ** 62;

function parseLimit(text: string | undefined): number | undefined {
  const v = text?.trim();
  if (!v || !/^\d+$/.test(v)) return undefined; // "max" (v2: no limit), missing or unreadable
  const n = Number(v);
  return n > 0 && n < UNLIMITED ? n : undefined;
}

/** "/a/b" → ["/a/b", "/a", ""]: a cgroup and its ancestors, as suffixes of the mount point. */
function cgroupAncestors(path: string | undefined): string[] {
  const parts = (path ?? '').split('/').filter((p) => p !== '' && p !== '.' && p !== '..');
  const out: string[] = [];
  for (let n = parts.length; n > 0; n--) out.push(`/${parts.slice(0, n).join('/')}`);
  out.push('');
  return out;
}

/**
 * The smallest memory limit of the cgroups this process is in, in bytes; undefined when none is
 * set. cgroup v2: `memory.max` of the process's cgroup (from /proc/self/cgroup) and of its
 * ancestors, and of the root of the mount (what a container with its own cgroup namespace sees,
 * and all upstream reads). cgroup v1: `memory.limit_in_bytes` likewise, under the `memory`
 * controller's mount.
 */
export function cgroupMemoryLimit(read: ReadTextFile = readTextFile, mount = '/sys/fs/cgroup'): number | undefined {
  const limits: number[] = [];
  const add = (v: number | undefined) => v !== undefined && limits.push(v);
  const self = (read('/proc/self/cgroup') ?? '').split('\n');
  const v2 = self.find((l) => l.startsWith('0::'))?.slice(3).trim();
  for (const dir of cgroupAncestors(v2)) add(parseLimit(read(`${mount}${dir}/memory.max`)));
  const v1 = self
    .map((l) => /^\d+:([^:]*):(.*)$/.exec(l.trim()))
    .find((m) => m !== null && m[1].split(',').includes('memory'));
  for (const dir of cgroupAncestors(v1?.[2])) add(parseLimit(read(`${mount}/memory${dir}/memory.limit_in_bytes`)));
  return limits.length ? Math.min(...limits) : undefined;
}

/** The memory the process may fill: the machine's, or the cgroup limit when that is smaller. */
export function effectiveTotalMemory(machine: number, cgroup: number | undefined): number {
  return cgroup !== undefined && cgroup > 0 && cgroup < machine ? cgroup : machine;
}

export const systemTotalMemory = (): number => os.totalmem();

/** How this process can force a full garbage collection. */
export interface ForcedGc {
  gc: (() => void) | undefined;
  /** `global`: started with --expose-gc; `v8-flag`: obtained at run time (see below); `unavailable`. */
  source: 'global' | 'v8-flag' | 'unavailable';
  /** Why it is unavailable. */
  reason?: string;
}

let cachedGc: ForcedGc | undefined;

/**
 * A function forcing a full (mark-compact) collection of the whole isolate. `global.gc` when
 * Node was started with --expose-gc. Otherwise the flag is switched on just long enough to
 * create one new V8 context, whose global `gc` is taken, and switched off again: V8 reads
 * --expose-gc only when it sets up a context's global object, so nothing else changes (no
 * other context, nor any code of this one, sees a `gc`). Costs about a millisecond and one
 * small context, once per process. Node documents v8.setFlagsFromString as "use with care"
 * in general; if it ever fails, forcing is simply unavailable and V8 collects on its own.
 */
export function forcedGc(): ForcedGc {
  if (cachedGc) return cachedGc;
  const existing = (globalThis as { gc?: unknown }).gc;
  if (typeof existing === 'function') {
    cachedGc = { gc: () => void (existing as () => unknown)(), source: 'global' };
    return cachedGc;
  }
  let flagSet = false;
  try {
    v8.setFlagsFromString('--expose-gc');
    flagSet = true;
    const fn: unknown = vm.runInNewContext('typeof gc === "function" ? gc : undefined');
    cachedGc =
      typeof fn === 'function'
        ? { gc: () => void (fn as () => unknown)(), source: 'v8-flag' }
        : { gc: undefined, source: 'unavailable', reason: 'V8 did not expose gc in a new context' };
  } catch (err) {
    cachedGc = { gc: undefined, source: 'unavailable', reason: (err as Error)?.message ?? String(err) };
  } finally {
    if (flagSet) {
      try {
        v8.setFlagsFromString('--no-expose-gc');
      } catch {
        // leaving it on only means later new contexts get a gc global too
      }
    }
  }
  return cachedGc;
}
