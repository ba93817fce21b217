/**
 * A real Prometheus server (the Debian package's /usr/bin/prometheus) for tests that scrape
 * Summit: started on a config file, asked through its HTTP API.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { delimiter, join } from 'node:path';

export const MISSING =
  'the Prometheus server binary `prometheus` is not installed (not on PATH, no PROMETHEUS_BIN): ' +
  '`.ci/run` installs the Debian package `prometheus` (apt-get install prometheus); install it the same way to run this test';

export function prometheusBinary(): string {
  const candidates = [process.env.PROMETHEUS_BIN, ...(process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'prometheus'))];
  for (const c of candidates) {
    if (!c) continue;
    try {
      accessSync(c, fsConstants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  throw new Error(MISSING);
}

export interface Sample {
  metric: Record<string, string>;
  value: number;
}

export class Prometheus {
  readonly child: ChildProcessWithoutNullStreams;
  output = '';
  readonly exited: Promise<number | null>;

  constructor(binary: string, readonly port: number, config: string, dataDir: string) {
    this.child = spawn(binary, [
      `--config.file=${config}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--enable-feature=exemplar-storage',
      '--log.level=warn',
    ]);
    this.child.stdout.on('data', (d) => (this.output += d));
    this.child.stderr.on('data', (d) => (this.output += d));
    this.exited = new Promise((r) => this.child.on('close', (code) => r(code)));
  }

  private url(path: string) {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async ready(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`prometheus exited (${this.child.exitCode}):\n${this.output}`);
      try {
        if ((await fetch(this.url('/-/ready'))).ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`prometheus not ready after ${timeoutMs} ms:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async query(q: string): Promise<Sample[]> {
    const res = await fetch(this.url(`/api/v1/query?query=${encodeURIComponent(q)}`));
    const body = (await res.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    if (body.status !== 'success') throw new Error(`query ${q}: ${body.error}`);
    return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  async exemplars(q: string): Promise<{ seriesLabels: Record<string, string>; exemplars: { labels: Record<string, string>; value: string }[] }[]> {
    const now = Date.now() / 1000;
    const res = await fetch(this.url(`/api/v1/query_exemplars?query=${encodeURIComponent(q)}&start=${now - 3600}&end=${now + 60}`));
    const body = (await res.json()) as { status: string; error?: string; data: never };
    if (body.status !== 'success') throw new Error(`exemplar query ${q}: ${body.error}`);
    return body.data;
  }

  /**
   * Polls a PromQL query until `accept` takes its result; bounded, with the targets' health and
   * `context()` (e.g. the log of the process scraped) in the failure.
   */
  async waitForQuery(q: string, accept: (samples: Sample[]) => boolean, timeoutMs = 20_000, context: () => string = () => ''): Promise<Sample[]> {
    const deadline = Date.now() + timeoutMs;
    let last: Sample[] = [];
    for (;;) {
      last = await this.query(q);
      if (accept(last)) return last;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${q}; last result: ${JSON.stringify(last)}\ntargets:\n${await this.targets()}\n${context()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** The # HELP Prometheus scraped for a metric family. */
  async help(metric: string): Promise<string | undefined> {
    const res = await fetch(this.url(`/api/v1/metadata?metric=${encodeURIComponent(metric)}`));
    const body = (await res.json()) as { data: Record<string, { help: string }[]> };
    return body.data[metric]?.[0]?.help;
  }

  /** Scrape targets' health, for failure messages. */
  async targets(): Promise<string> {
    try {
      const body = (await (await fetch(this.url('/api/v1/targets'))).json()) as { data: { activeTargets: { scrapeUrl: string; health: string; lastError: string }[] } };
      return body.data.activeTargets.map((t) => `${t.scrapeUrl}: ${t.health} ${t.lastError}`).join('\n');
    } catch (err) {
      return String(err);
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }
}
