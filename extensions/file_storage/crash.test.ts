import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { FileQueue } from './file-queue.js';

const here = dirname(fileURLToPath(import.meta.url));
const CHILD = join(here, 'testdata', 'crash-child.mjs');
const COMPILED = join(here, '..', '..', 'dist', 'extensions', 'file_storage', 'file-queue.js');

/** The child runs the compiled code; a stale build would test yesterday's code. */
function assertBuilt(): void {
  const sources = ['file-queue.ts', 'frame.ts'].map((f) => statSync(join(here, f)).mtimeMs);
  if (!existsSync(COMPILED) || statSync(COMPILED).mtimeMs < Math.max(...sources)) {
    throw new Error(`${COMPILED} is missing or older than its source: run \`npm run build\` first (npm test does)`);
  }
}

interface ChildReport {
  stderr: string;
  appended: Map<number, number>;
  acked: Set<number>;
  /** Acks started: those may or may not have reached the disk. */
  acking: Set<number>;
  lines: number;
}

/** Runs the appender until it reported `lines` results (or time ran out), then kill -9. */
async function runAndKill(dir: string, fsync: boolean, start: number, lines: number): Promise<ChildReport> {
  const child = spawn(process.execPath, [CHILD, dir, fsync ? 'fsync' : 'nofsync', String(start)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  // 'close', not 'exit': output still in the pipe at the kill arrives after 'exit'.
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const deadline = Date.now() + 5000;
  while (out.split('\n').length < lines && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 5));
  child.kill('SIGKILL');
  await exited;
  if (!out.startsWith('READY')) throw new Error(`the child did not start: ${err}`);
  const report: ChildReport = { stderr: err, appended: new Map(), acked: new Set(), acking: new Set(), lines: 0 };
  // Only whole lines: the last one may have been cut by the kill.
  for (const line of out.split('\n').slice(1, -1)) {
    const [kind, id, n] = line.split(' ');
    if (kind === 'A') report.appended.set(Number(id), Number(n));
    else if (kind === 'K') report.acked.add(Number(id));
    else if (kind === 'P') report.acking.add(Number(id));
    report.lines++;
  }
  return report;
}

describe('file queue under kill -9', () => {
  it('keeps every append that resolved and forgets every ack that resolved, across repeated crashes', async () => {
    assertBuilt();
    const root = mkdtempSync(join(tmpdir(), 'summit-crash-'));
    onTestFinished(() => rmSync(root, { recursive: true, force: true }));
    const dir = join(root, 'q');
    const expected = new Map<number, number>();
    let next = 0;
    for (const [round, fsync] of [false, true, false].entries()) {
      const report = await runAndKill(dir, fsync, next, round === 1 ? 400 : 3000);
      expect(report.appended.size, `the child reported too little before the kill; its stderr: ${report.stderr}`).toBeGreaterThan(20);
      next += 1_000_000;
      for (const [id, n] of report.appended) expected.set(id, n);
      for (const id of report.acking) expected.delete(id);

      const warnings: string[] = [];
      const logger = pino({ level: 'warn' }, { write: (s: string) => void warnings.push(JSON.parse(s).msg) });
      const q = await FileQueue.open(dir, { logger, fsync: false, segmentBytes: 16 * 1024, compaction: { onStart: false, onRebound: false, reboundNeededBytes: 0, reboundTriggerBytes: 0, checkIntervalMs: 1000, maxTransactionSize: 100 } });
      const found = new Map<number, number>();
      for await (const rec of q.readPending()) found.set(rec.id, JSON.parse(Buffer.from(rec.bytes).toString()).n);
      for (const [id, n] of expected) expect(found.get(id), `record ${id} (append ${n}) resolved before the kill`).toBe(n);
      for (const id of report.acking) if (found.has(id)) expect(found.get(id)).toBe(report.appended.get(id) ?? found.get(id));
      for (const id of report.acked) expect(found.has(id), `record ${id} was acknowledged before the kill`).toBe(false);
      // Whatever else is there was in flight at the kill: it must be intact, and is now expected too.
      for (const [id, n] of found) expected.set(id, n);
      // Damage can only be the one record cut by the kill at the end of a segment.
      expect(warnings.filter((w) => !/was cut short by a crash/.test(w))).toEqual([]);
      await q.close();
    }
  });
});
