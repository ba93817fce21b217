/**
 * The measuring rules every suite follows: warm up, run each case several times interleaved
 * with its peers (so machine noise hits all of them alike), report the median, and compare
 * against a peer measured in the same run.
 */
export interface BenchCase {
  name: string;
  /** Runs the workload once; returns how many units (spans, rows, ...) it processed. */
  run(): Promise<number>;
}

export interface BenchResult {
  name: string;
  unitsPerSecond: number;
  runs: number[];
}

export async function measure(cases: BenchCase[], opts: { repeats?: number; warmups?: number } = {}): Promise<BenchResult[]> {
  const repeats = opts.repeats ?? 7;
  for (let i = 0; i < (opts.warmups ?? 2); i++) for (const c of cases) await c.run();
  const runs = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let i = 0; i < repeats; i++) {
    for (const c of cases) {
      const start = process.hrtime.bigint();
      const units = await c.run();
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      runs.get(c.name)!.push(units / seconds);
    }
  }
  return cases.map((c) => ({ name: c.name, unitsPerSecond: median(runs.get(c.name)!), runs: runs.get(c.name)! }));
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** A markdown table: each case's median and its ratio to the named peer. */
export function table(suite: string, unit: string, results: BenchResult[], peer: string): string {
  const base = results.find((r) => r.name === peer)!.unitsPerSecond;
  const rows = results.map((r) => `| ${r.name} | ${fmt(r.unitsPerSecond)} ${unit}/s | ${(r.unitsPerSecond / base).toFixed(2)}× |`);
  return [`### ${suite}`, '', `| case | median | vs ${peer} |`, '|---|---|---|', ...rows, ''].join('\n');
}

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0);
}
