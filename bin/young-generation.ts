/**
 * Under any steady load V8 grows the young generation (two semi-spaces) to its largest size:
 * 2 × 16 MiB on Node 20 and 22, 2 × 32 MiB on Node 24, all of it resident. That largest size
 * can only be set when node starts (`--max-semi-space-size`, which `npx summit`, `npm start`,
 * Docker and systemd would each have to pass), but the factor by which V8 grows a semi-space
 * is read at each growth. So Summit lets it grow while it is below the cap and holds the
 * factor at 1 once it is there, looking again after every garbage collection.
 *
 * Measured in the testbed (bench/README.md, `testbed`): a semi-space of 8 MiB costs no CPU
 * at 10k spans/s and saves ~14 MiB of RSS over HTTP, ~5 over gRPC, on Node 20; 4 MiB
 * scavenges more often than a batch lives (200 ms) and promoted pipeline data into the old
 * generation. At saturation (the `e2e` suite) 8 MiB cost 20–50 % more CPU per span: scavenges came every few milliseconds, each
 * copying the data in flight. So while scavenges come BUSY_SCAVENGES in BUSY_WINDOW_MS the
 * young generation grows as V8 would have it; V8 shrinks it again only when allocation all but
 * stops, so after such a burst it stays at V8's size until the process is next idle.
 */
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import v8 from 'node:v8';
import { nodeArgs, v8FlagMib } from '../pipeline/heap-limit.js';

export const SEMI_SPACE_CAP_MIB = 8;

const MIB = 2 ** 20;
const GROWTH_FACTOR_FLAG = 'semi-space-growth-factor';
/** V8's default growth factor. */
const DEFAULT_GROWTH_FACTOR = 2;
/**
 * Scavenges within BUSY_WINDOW_MS at which the young generation may grow past the cap: 20 a
 * second, held for 2 s. At 10k spans/s (the testbed, gRPC and HTTP) an 8 MiB semi-space was
 * scavenged at most 3 times in any second and 5 in any 2 s; at saturation dozens of times a
 * second.
 */
export const BUSY_SCAVENGES = 40;
const BUSY_WINDOW_MS = 2000;

/** The new space's capacity (one semi-space) in bytes. */
export function semiSpaceBytes(): number {
  const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  return space ? space.space_used_size + space.space_available_size : 0;
}

/**
 * Keeps the semi-space at or below `capMib` from now on, unless scavenges come BUSY_SCAVENGES
 * in BUSY_WINDOW_MS; returns the observer doing it, or undefined when the operator sized the young
 * generation with node's own flags (they win).
 * The growth factor is process-wide: worker threads' young generations stop growing too while
 * the main thread's is at the cap. A growth can overshoot only when several collections run
 * within one task (the observer runs between tasks), up to V8's own maximum.
 */
export function capYoungGeneration(capMib = SEMI_SPACE_CAP_MIB, args: readonly string[] = nodeArgs()): PerformanceObserver | undefined {
  if (v8FlagMib(args, 'max-semi-space-size') !== undefined || v8FlagMib(args, GROWTH_FACTOR_FLAG) !== undefined) return undefined;
  let factor = DEFAULT_GROWTH_FACTOR;
  let capacity = semiSpaceBytes();
  // start times (ms) of the last BUSY_SCAVENGES scavenges at the present capacity, oldest first
  const scavenges: number[] = [];
  const hold = (entries: PerformanceEntry[] = []) => {
    for (const e of entries) {
      if ((e as { detail?: { kind?: number } }).detail?.kind !== constants.NODE_PERFORMANCE_GC_MINOR) continue;
      scavenges.push(e.startTime);
      if (scavenges.length > BUSY_SCAVENGES) scavenges.shift();
    }
    // a smaller semi-space is scavenged more often: only the rate at the present size says whether it is too small
    if (semiSpaceBytes() !== capacity) {
      capacity = semiSpaceBytes();
      scavenges.length = 0;
    }
    const busy = scavenges.length === BUSY_SCAVENGES && scavenges[BUSY_SCAVENGES - 1] - scavenges[0] < BUSY_WINDOW_MS;
    const next = busy || capacity * DEFAULT_GROWTH_FACTOR <= capMib * MIB ? DEFAULT_GROWTH_FACTOR : 1;
    if (next === factor) return;
    v8.setFlagsFromString(`--${GROWTH_FACTOR_FLAG}=${next}`);
    factor = next;
  };
  hold();
  const observer = new PerformanceObserver((list) => hold(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  return observer;
}
