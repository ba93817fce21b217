/**
 * Log intake: a file of 200-byte JSON lines read by `filelog` → batch → nop, and RFC 5424
 * octet-counted messages over TCP into `syslog` → batch → nop, each against a real log shipper
 * from Debian doing the same in the same run — rsyslog (`imfile` → `omfile`, `imtcp` →
 * `omfile`). Lines per second, MiB/s, CPU seconds and peak RSS of both. rsyslog is skipped,
 * with a line saying so, where `rsyslogd` is not installed (.ci/run installs it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, createWriteStream, existsSync, linkSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, freePort, peakRssMiB, startProcess, stopProcess } from './processes.js';

const DIST = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LINES = Number(process.env.BENCH_FILELOG_LINES ?? 1_000_000);
const MESSAGES = Number(process.env.BENCH_SYSLOG_MESSAGES ?? 500_000);
const RSYSLOGD = ['/usr/sbin/rsyslogd', '/sbin/rsyslogd'].find((p) => existsSync(p));

interface Row {
  name: string;
  units: number;
  bytes: number;
  seconds: number;
  cpu: number;
  rssMiB: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A 200-byte JSON log line (newline included). */
function jsonLine(i: number): string {
  const head = `{"ts":"2024-05-01T10:00:00.${String(i % 1000).padStart(3, '0')}Z","level":"info","seq":${i},"msg":"`;
  const tail = '"}\n';
  return head + 'x'.repeat(200 - head.length - tail.length) + tail;
}

async function writeLines(file: string, n: number, line: (i: number) => string): Promise<number> {
  const out = createWriteStream(file);
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const l = line(i);
    bytes += l.length;
    if (!out.write(l)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  return bytes;
}

async function acceptedRecords(metricsPort: number, receiver: string): Promise<number> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const m = new RegExp(`otelcol_receiver_accepted_log_records_total\\{[^}]*receiver="${receiver}"[^}]*\\} (\\S+)`).exec(text);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Newlines in a file, read in chunks. */
function countLines(file: string): number {
  if (!existsSync(file)) return 0;
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let n = 0;
  for (let got = readSync(fd, buf); got > 0; got = readSync(fd, buf)) for (let i = buf.indexOf(10); i >= 0 && i < got; i = buf.indexOf(10, i + 1)) n++;
  closeSync(fd);
  return n;
}

async function summitRun(dir: string, name: string, receiverYaml: string, receiver: string, units: number, bytes: number, feed?: () => Promise<void>): Promise<Row> {
  const metrics = await freePort();
  const config = join(dir, `${name}.yaml`);
  writeFileSync(
    config,
    `receivers:\n${receiverYaml}\nprocessors:\n  batch:\nexporters:\n  nop:\nservice:\n  telemetry:\n    metrics:\n      address: 127.0.0.1:${metrics}\n  pipelines:\n    logs:\n      receivers: [${receiver}]\n      processors: [batch]\n      exporters: [nop]\n`,
  );
  const child = await startProcess([join(DIST, 'bin', 'summit.js'), '--config', config], /Everything is ready/);
  const cpu0 = cpuSeconds(child.pid!);
  const start = process.hrtime.bigint();
  const feeding = feed?.();
  while ((await acceptedRecords(metrics, receiver)) < units) await sleep(50);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await feeding;
  const row = { name, units, bytes, seconds, cpu: cpuSeconds(child.pid!) - cpu0, rssMiB: peakRssMiB(child.pid!) };
  await stopProcess(child);
  return row;
}

async function rsyslogRun(dir: string, name: string, conf: string, out: string, units: number, bytes: number, feed?: () => Promise<void>): Promise<Row> {
  const file = join(dir, `${name}.conf`);
  writeFileSync(file, `global(workDirectory="${dir}")\n${conf}`);
  const child: ChildProcess = spawn(RSYSLOGD!, ['-n', '-f', file, '-i', join(dir, `${name}.pid`)], { stdio: 'ignore' });
  await sleep(500);
  const cpu0 = cpuSeconds(child.pid!);
  const start = process.hrtime.bigint();
  const feeding = feed?.();
  // done once the output stopped growing and holds every line
  let size = -1;
  let grewAt = process.hrtime.bigint();
  for (;;) {
    await sleep(100);
    const now = existsSync(out) ? statSync(out).size : 0;
    if (now !== size) {
      size = now;
      grewAt = process.hrtime.bigint();
    } else if (Number(process.hrtime.bigint() - grewAt) / 1e9 > 0.5 && countLines(out) >= units) break;
  }
  const seconds = Number(grewAt - start) / 1e9;
  await feeding;
  const row = { name, units, bytes, seconds, cpu: cpuSeconds(child.pid!) - cpu0, rssMiB: peakRssMiB(child.pid!) };
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return row;
}

/** Sends pre-framed octet-counted messages over one TCP connection as fast as it takes them. */
async function sendSyslog(port: number, frames: Buffer[]): Promise<void> {
  const sock = connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  for (const f of frames) if (!sock.write(f)) await new Promise((r) => sock.once('drain', r));
  await new Promise<void>((r) => sock.end(() => r()));
}

function syslogFrames(n: number): { frames: Buffer[]; bytes: number } {
  const frames: Buffer[] = [];
  let bytes = 0;
  const perFrame = 1000;
  for (let i = 0; i < n; i += perFrame) {
    let chunk = '';
    for (let k = i; k < Math.min(n, i + perFrame); k++) {
      const msg = `<134>1 2024-05-01T10:00:00.000Z host-1 checkout 4242 ID${k % 100} [meta@32473 seq="${k}"] order ${k} processed in 12 ms by worker 3`;
      chunk += `${Buffer.byteLength(msg)} ${msg}`;
      bytes += Buffer.byteLength(msg);
    }
    frames.push(Buffer.from(chunk));
  }
  return { frames, bytes };
}

function render(title: string, rows: Row[], anchors: string[]): string {
  const base = rows.find((r) => r.name.startsWith('rsyslog'));
  const lines = rows.map((r) => {
    const rate = r.units / r.seconds;
    const mib = r.bytes / r.seconds / 1048576;
    const ratio = base ? `${(rate / (base.units / base.seconds)).toFixed(2)}×` : '—';
    return `| ${r.name} | ${(rate / 1000).toFixed(1)}k lines/s | ${mib.toFixed(1)} MiB/s | ${r.cpu.toFixed(1)} s | ${r.rssMiB.toFixed(0)} MiB | ${ratio} |`;
  });
  return [`### ${title}`, '', '| case | rate | throughput | CPU | peak RSS | vs rsyslog |', '|---|---|---|---|---|---|', ...lines, '', ...anchors, ''].join('\n');
}

export async function filelogSuite(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'summit-bench-filelog-'));
  try {
    const out: string[] = [];
    // each reader is running before the file appears (an atomic rename), so the clock starts with its first byte read
    const prepared = join(dir, 'prepared.log');
    const bytes = await writeLines(prepared, LINES, jsonLine);
    const appear = (name: string) => async () => {
      linkSync(prepared, join(dir, name));
    };
    const fileRows = [
      await summitRun(dir, 'summit filelog', `  filelog:\n    include: [${join(dir, 'summit.log')}]\n    start_at: beginning`, 'filelog', LINES, bytes, appear('summit.log')),
    ];
    const skip = RSYSLOGD ? [] : ['rsyslog skipped: rsyslogd is not installed here (apt-get install rsyslog; .ci/run installs it)'];
    if (RSYSLOGD) {
      const dest = join(dir, 'rsyslog-file.out');
      fileRows.push(
        await rsyslogRun(
          dir,
          'rsyslog imfile → omfile',
          `module(load="imfile")\ninput(type="imfile" file="${join(dir, 'rsyslog.log')}" tag="bench" ruleset="out")\nruleset(name="out") { action(type="omfile" file="${dest}" template="RSYSLOG_FileFormat") }\n`,
          dest,
          LINES,
          bytes,
          appear('rsyslog.log'),
        ),
      );
    }
    out.push(
      render(`filelog: ${LINES.toLocaleString('en')} JSON lines of 200 bytes, file → filelog → batch → nop`, fileRows, [
        ...skip,
        'Published anchors (Vector\'s harness, 2020, file → TCP): Vector 76.7 MiB/s, Fluent Bit 35 MiB/s.',
      ]),
    );

    const { frames, bytes: sysBytes } = syslogFrames(MESSAGES);
    const tcpPort = await freePort();
    const sysRows = [
      await summitRun(
        dir,
        'summit syslog',
        `  syslog:\n    protocol: rfc5424\n    enable_octet_counting: true\n    tcp:\n      listen_address: 127.0.0.1:${tcpPort}`,
        'syslog',
        MESSAGES,
        sysBytes,
        () => sendSyslog(tcpPort, frames),
      ),
    ];
    if (RSYSLOGD) {
      const port = await freePort();
      const dest = join(dir, 'rsyslog-tcp.out');
      sysRows.push(
        await rsyslogRun(
          dir,
          'rsyslog imtcp → omfile',
          `module(load="imtcp")\ninput(type="imtcp" address="127.0.0.1" port="${port}" ruleset="out")\nruleset(name="out") { action(type="omfile" file="${dest}" template="RSYSLOG_FileFormat") }\n`,
          dest,
          MESSAGES,
          sysBytes,
          () => sendSyslog(port, frames),
        ),
      );
    }
    out.push(render(`syslog: ${MESSAGES.toLocaleString('en')} RFC 5424 messages, octet counting over one TCP connection → batch → nop`, sysRows, skip));
    return out.join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
