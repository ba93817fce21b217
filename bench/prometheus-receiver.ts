/**
 * The `prometheus` receiver's scrape cost: 100 targets × 1,000 series (text format) scraped
 * every 5 s by a `summit` process (prometheus receiver → nop), against the real Prometheus
 * server (Debian's /usr/bin/prometheus) scraping the same targets at the same time. The figure
 * is CPU (user + system, from /proc) as a share of one core over each measured window; the
 * median of the windows is reported. Prometheus is skipped, with a line saying so, where it is
 * not installed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './harness.js';
import { cpuSeconds, freePort, peakRssMiB, startProcess, stopProcess } from './processes.js';

const DIST = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TARGETS = Number(process.env.BENCH_PROM_TARGETS ?? 100);
const SERIES = 1000;
const WINDOW_MS = 10_000;
const WINDOWS = Number(process.env.BENCH_PROM_WINDOWS ?? 3);
const PROMETHEUS = '/usr/bin/prometheus';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function scrapeConfig(ports: number[]): string {
  return `scrape_configs:\n  - job_name: bench\n    scrape_interval: 5s\n    static_configs:\n      - targets: [${ports.map((p) => `"127.0.0.1:${p}"`).join(', ')}]\n`;
}

async function startPrometheus(dir: string, ports: number[]): Promise<ChildProcess> {
  writeFileSync(join(dir, 'prometheus.yml'), scrapeConfig(ports));
  const port = await freePort();
  const child = spawn(PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/-/ready`)).ok) return child;
    } catch {
      // starting
    }
    await sleep(100);
  }
  throw new Error('prometheus did not become ready');
}

export async function prometheusReceiverSuite(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'summit-bench-promrecv-'));
  const portsFile = join(dir, 'ports');
  const targets = await startProcess([join(DIST, 'bench', 'peers', 'prometheus-targets.js'), portsFile, String(TARGETS), String(SERIES)], /listening/);
  const ports = readFileSync(portsFile, 'utf8').split('\n').map(Number);
  const metricsPort = await freePort();
  const config = join(dir, 'summit.yaml');
  const indented = scrapeConfig(ports).replace(/^/gm, '      ');
  writeFileSync(
    config,
    `receivers:\n  prometheus:\n    config:\n${indented}\nexporters:\n  nop:\nservice:\n  telemetry:\n    metrics:\n      address: 127.0.0.1:${metricsPort}\n  pipelines:\n    metrics:\n      receivers: [prometheus]\n      exporters: [nop]\n`,
  );
  const procs: { name: string; child: ChildProcess }[] = [{ name: 'summit prometheus receiver → nop', child: await startProcess([join(DIST, 'bin', 'summit.js'), '--config', config], /Everything is ready/) }];
  const peerNote = existsSync(PROMETHEUS) ? '' : `(Prometheus not installed at ${PROMETHEUS}: peer skipped)\n`;
  if (!peerNote) procs.push({ name: 'prometheus (peer)', child: await startPrometheus(dir, ports) });
  try {
    await sleep(6000); // every target scraped once: caches, JIT and connections warm
    const shares = new Map(procs.map((p) => [p.name, [] as number[]]));
    for (let w = 0; w < WINDOWS; w++) {
      const before = procs.map((p) => cpuSeconds(p.child.pid!));
      const t0 = Date.now();
      await sleep(WINDOW_MS);
      const wall = (Date.now() - t0) / 1000;
      procs.forEach((p, i) => shares.get(p.name)!.push((cpuSeconds(p.child.pid!) - before[i]) / wall));
    }
    const accepted = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const points = Number(/otelcol_receiver_accepted_metric_points_total\{[^}]*\} (\S+)/.exec(accepted)?.[1] ?? 0);
    const peer = median(shares.get('prometheus (peer)') ?? [NaN]);
    const rows = procs.map((p) => {
      const share = median(shares.get(p.name)!);
      return `| ${p.name} | ${(share * 100).toFixed(1)} % | ${peakRssMiB(p.child.pid!).toFixed(0)} MiB | ${Number.isNaN(peer) ? '—' : `${(share / peer).toFixed(2)}×`} |`;
    });
    return [
      `### prometheus-receiver`,
      '',
      `${TARGETS} targets × ${SERIES} series every 5 s (${((TARGETS * SERIES) / 5 / 1000).toFixed(0)}k samples/s); CPU share of one core, median of ${WINDOWS} windows of ${WINDOW_MS / 1000} s; ${points.toLocaleString('en-US')} points accepted by Summit in all.`,
      peerNote,
      '| case | CPU of a core | peak RSS | vs prometheus |',
      '|---|---|---|---|',
      ...rows,
      '',
    ].join('\n');
  } finally {
    for (const p of procs) await stopProcess(p.child, 10_000);
    await stopProcess(targets, 5000);
  }
}
