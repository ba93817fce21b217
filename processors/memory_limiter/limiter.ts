import type { Logger } from 'pino';
import type { Host } from '../../pipeline/component.js';
import { retryableError, type ConsumerError } from '../../pipeline/errors.js';
import { MIB, type MemoryLimits } from './config.js';
import type { MemoryInUse } from './memory.js';

/** Upstream's ErrDataRefused text. */
export const DATA_REFUSED_MESSAGE = 'data refused due to high memory usage';

export interface MemoryLimiterOptions {
  limits: MemoryLimits;
  checkIntervalMs: number;
  minGcIntervalWhenSoftLimitedMs: number;
  minGcIntervalWhenHardLimitedMs: number;
  /** What is compared with the limits: the V8 heap in use, and it plus external memory. */
  readMemory: () => MemoryInUse;
  /** Forces a full collection; undefined when this process cannot. */
  gc: (() => void) | undefined;
  /** Milliseconds clock for rate-limiting GC. */
  now: () => number;
  logger: Logger;
  /**
   * After a forced GC, check again this much later (without forcing another): V8 frees the
   * memory behind dead Buffers on a background thread after the collection, so a reading
   * right after gc() does not show it yet. Only used when shorter than the check interval.
   */
  afterGcRecheckMs: number;
  /** Below the soft limit, GC is forced when memory held doubled since the last one and is at least this; 0 = never. */
  gcPacingFloorBytes: number;
  /** Told on every change of the refusing state. */
  onStateChange?: (refusing: boolean) => void;
  /** Told each time the admission check refuses a request. */
  onAdmissionRefused?: () => void;
}

/** How often requests may have memory read for GC pacing between checks. */
const PACING_READ_MS = 100;

const mib = (bytes: number) => Math.round((bytes / MIB) * 10) / 10;

/**
 * Upstream's MemoryLimiter, measuring memory held (and the V8 heap, see MemoryLimits): checks
 * every check interval, refuses while usage is at or above a soft limit, forces GC
 * (rate-limited) while above it. One per component id in a service, shared by that id's
 * instances in all pipelines: start/stop are reference counted.
 */
export class MemoryLimiter {
  /** Whether data is being refused: a plain field, so the hot path only reads a boolean. */
  refusing = false;
  /** The one error every refusal answers with (no stack captured per refusal). */
  readonly error: ConsumerError;
  private refs = 0;
  private interval?: NodeJS.Timeout;
  private recheck?: NodeJS.Timeout;
  private lastGc = 0;
  private gcCount = 0;
  private lastPacingRead = 0;
  /** Memory held right after the last forced GC: what pacing doubles. */
  private heldAfterGc = 0;
  private readonly hosts = new WeakSet<Host>();

  constructor(private readonly opts: MemoryLimiterOptions) {
    this.error = retryableError(DATA_REFUSED_MESSAGE, Math.max(opts.checkIntervalMs, 1000));
  }

  get limits(): MemoryLimits {
    return this.opts.limits;
  }

  /** The periodic timer while running (exposed for tests). */
  get timer(): NodeJS.Timeout | undefined {
    return this.interval;
  }

  get running(): boolean {
    return this.refs > 0;
  }

  /** Forced collections so far. */
  get gcRuns(): number {
    return this.gcCount;
  }

  /** For Host.addAdmissionCheck: receivers refuse a request before reading its body. */
  readonly admissionCheck = (): ConsumerError | undefined => {
    this.paceOnRequest();
    if (!this.refusing) return undefined;
    this.opts.onAdmissionRefused?.();
    return this.error;
  };

  /** One more user. The first starts the checks (and checks at once); each host gets the admission check once. */
  acquire(host?: Host): void {
    if (host && !this.hosts.has(host)) {
      this.hosts.add(host);
      host.addAdmissionCheck(this.admissionCheck);
    }
    if (++this.refs > 1) return;
    // As upstream: the GC clock starts now, so no soft-limit GC in the first min interval.
    this.lastGc = this.opts.now();
    this.check();
    this.interval = setInterval(() => this.check(), this.opts.checkIntervalMs);
    this.interval.unref();
  }

  /** One user fewer. The last stops the checks and stops refusing (a stale admission check then lets everything in). */
  release(): void {
    if (this.refs === 0) return;
    if (--this.refs > 0) return;
    clearInterval(this.interval);
    clearTimeout(this.recheck);
    this.interval = this.recheck = undefined;
    this.setRefusing(false);
  }

  /** One measurement (upstream's CheckMemLimits). `mayGc` false for the re-check after a GC. */
  check(mayGc = true): void {
    const { logger } = this.opts;
    let used = this.opts.readMemory();
    logger.debug(this.usage(used), 'Currently used memory.');
    let above = this.reached('softBytes', used);
    if (above && mayGc && this.opts.gc) {
      const hard = this.reached('hardBytes', used);
      const minInterval = hard ? this.opts.minGcIntervalWhenHardLimitedMs : this.opts.minGcIntervalWhenSoftLimitedMs;
      if (this.opts.now() - this.lastGc >= minInterval) {
        const fields = this.fields(used);
        if (hard) logger.warn(fields, 'Memory usage is above hard limit. Forcing a GC.');
        else logger.info(fields, 'Memory usage is above soft limit. Forcing a GC.');
        used = this.forceGc();
        above = this.reached('softBytes', used);
        this.scheduleRecheck();
      }
    }
    else if (mayGc) used = this.paceGc(used);
    if (above && !this.refusing) logger.warn(this.fields(used), 'Memory usage is above soft limit. Refusing data.');
    if (!above && this.refusing) logger.info(this.fields(used), 'Memory usage back within limits. Resuming normal operation.');
    this.setRefusing(above);
  }

  /**
   * Go's collector runs once the heap has doubled since the last collection (GOGC=100), which
   * keeps what upstream holds near twice what is live. V8, given a heap limit of gigabytes,
   * lets garbage — above all large strings and buffers of big requests — grow to several times
   * that before a full collection. So, below the soft limit too, a GC is forced when memory held
   * has doubled since the last one and is above the pacing floor.
   */
  private paced(used: MemoryInUse): boolean {
    const floor = this.opts.gcPacingFloorBytes;
    return this.opts.gc !== undefined && floor > 0 && used.heldBytes >= Math.max(2 * this.heldAfterGc, floor);
  }

  /** A paced GC when one is due below the soft limit; memory held after it, or `used`. */
  private paceGc(used: MemoryInUse): MemoryInUse {
    return this.paced(used) && !this.reached('softBytes', used) ? this.forceGc('debug') : used;
  }

  /**
   * GC pacing between checks too, at most every {@link PACING_READ_MS} as requests come: a
   * second of large requests grew the heap by 100-250 MiB before the next check saw it (bench
   * `fuzz`). No timer: an idle process reads nothing.
   */
  private paceOnRequest(): void {
    if (!this.opts.gc || this.opts.gcPacingFloorBytes <= 0 || this.refs === 0) return;
    const now = this.opts.now();
    if (now - this.lastPacingRead < PACING_READ_MS) return;
    this.lastPacingRead = now;
    this.paceGc(this.opts.readMemory());
  }

  private forceGc(level: 'info' | 'debug' = 'info'): MemoryInUse {
    this.opts.gc!();
    this.gcCount++;
    this.lastGc = this.opts.now();
    const used = this.opts.readMemory();
    this.heldAfterGc = used.heldBytes;
    this.opts.logger[level](this.usage(used), 'Memory usage after GC.');
    return used;
  }

  /** Whether memory held, or the heap (when it has its own budget), reached that limit. */
  private reached(limit: 'softBytes' | 'hardBytes', used: MemoryInUse): boolean {
    const { limits } = this.opts;
    return used.heldBytes >= limits[limit] || (limits.heap !== undefined && used.heapBytes >= limits.heap[limit]);
  }

  private usage(used: MemoryInUse): Record<string, number> {
    return { cur_mem_mib: mib(used.heldBytes), ...(this.opts.limits.heap ? { cur_heap_mib: mib(used.heapBytes) } : {}) };
  }

  private scheduleRecheck(): void {
    const delay = this.opts.afterGcRecheckMs;
    if (this.recheck || delay <= 0 || delay >= this.opts.checkIntervalMs || this.refs === 0) return;
    this.recheck = setTimeout(() => {
      this.recheck = undefined;
      if (this.refs > 0 && this.refusing) this.check(false);
    }, delay);
    this.recheck.unref();
  }

  private setRefusing(refusing: boolean): void {
    if (this.refusing === refusing) return;
    this.refusing = refusing;
    this.opts.onStateChange?.(refusing);
  }

  /** Upstream's fields (memory held), and the heap's beside them when it has its own budget. */
  private fields(used: MemoryInUse): Record<string, number> {
    const { limits } = this.opts;
    return {
      cur_mem_mib: mib(used.heldBytes),
      soft_limit_mib: mib(limits.softBytes),
      limit_mib: mib(limits.hardBytes),
      ...(limits.heap
        ? { cur_heap_mib: mib(used.heapBytes), heap_soft_limit_mib: mib(limits.heap.softBytes), heap_hard_limit_mib: mib(limits.heap.hardBytes) }
        : {}),
    };
  }
}
