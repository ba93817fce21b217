import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SUMMIT = join(ROOT, 'dist', 'bin', 'summit.js');

export function tempDir(prefix = 'summit-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeFile(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** A port nobody listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `summit` command to completion. */
export function runSummit(args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<RunResult> {
  const child = spawnSummit(args, opts);
  return new Promise((resolveRun) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolveRun({ code, stdout, stderr }));
  });
}

export interface SpawnOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** A command line the process is started through, e.g. test/small-volume.ts's namespace. */
  launcher?: string[];
}

export function spawnSummit(args: string[], opts: SpawnOptions = {}): ChildProcessWithoutNullStreams {
  const [command, ...commandArgs] = [...(opts.launcher ?? []), process.execPath, SUMMIT, ...args];
  const child = spawn(command, commandArgs, { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env } });
  // decoded as a stream, so a character split across two chunks stays one character
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  return child;
}

/** A running `summit` process whose output can be awaited. */
export class SummitProcess {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(args: string[], opts: SpawnOptions = {}) {
    this.child = spawnSummit(args, opts);
    this.child.stdout.on('data', (d) => (this.stdout += d));
    this.child.stderr.on('data', (d) => (this.stderr += d));
    this.exited = new Promise((r) => this.child.on('close', (code) => r(code)));
  }

  /** Resolves when stderr (the log) matches, rejects if the process exits first or time runs out. */
  async waitForLog(pattern: RegExp, timeoutMs = 15000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.stderr)) {
      if (this.child.exitCode !== null) throw new Error(`summit exited (${this.child.exitCode}) before logging ${pattern}:\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; log so far:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill(signal);
    return this.exited;
  }
}
