import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { checkAgainstSchema } from '../../config/schema-check.js';
import { isStorageExtension } from '../../pipeline/exporterhelper/storage.js';
import { testContext } from '../../pipeline/testing.js';
import { resolveFileStorageConfig, type FileStorageConfig } from './config.js';
import { fileStorageExtensionFactory, queueDirName } from './index.js';
import type { FileStorage } from './storage.js';

const silent = pino({ level: 'silent' });
const tmp = () => mkdtempSync(join(tmpdir(), 'summit-fs-'));

function create(config: FileStorageConfig, configDir = '.'): FileStorage {
  return fileStorageExtensionFactory.create(testContext({ id: 'file_storage/queue', kind: 'extension', logger: silent, configDir }), config, {}) as FileStorage;
}

describe('file_storage extension', () => {
  it('has upstream defaults', () => {
    const c: Record<string, unknown> = {};
    expect(checkAgainstSchema(fileStorageExtensionFactory.configSchema, c)).toEqual([]);
    expect(c).toEqual({
      timeout: '1s',
      fsync: false,
      create_directory: false,
      directory_permissions: '0750',
      recreate: false,
      compaction: {
        on_start: false,
        on_rebound: false,
        max_transaction_size: 65536,
        rebound_needed_threshold_mib: 100,
        rebound_trigger_threshold_mib: 10,
        check_interval: '5s',
        cleanup_on_start: false,
      },
    });
    const issues = checkAgainstSchema(fileStorageExtensionFactory.configSchema, { compaction: { onstart: true }, fsync: 'yes' });
    expect(issues.map((i) => i.path.join('.'))).toEqual(expect.arrayContaining(['compaction.onstart', 'fsync']));
  });

  it('resolves the default directory under the working directory, and a relative one against the config file', () => {
    expect(resolveFileStorageConfig({}, '/etc/summit', '/srv/run').directory).toBe(resolve('/srv/run/data/file_storage'));
    expect(resolveFileStorageConfig({ directory: 'queues' }, '/etc/summit', '/srv/run').directory).toBe(resolve('/etc/summit/queues'));
    expect(resolveFileStorageConfig({ directory: '/var/q' }, '/etc/summit').directory).toBe('/var/q');
  });

  it('is a storage extension for the exporter helper', () => {
    expect(isStorageExtension(create({ directory: tmp() }))).toBe(true);
  });

  it('fails start when the directory is missing, unless create_directory is set', async () => {
    const missing = join(tmp(), 'a', 'b');
    await expect(create({ directory: missing }).start()).rejects.toThrow(`directory ${missing} does not exist; create it, or set create_directory: true`);
    const made = create({ directory: missing, create_directory: true, directory_permissions: '0700' });
    await made.start();
    expect(statSync(missing).isDirectory()).toBe(true);
    expect(statSync(missing).mode & 0o777).toBe(0o700);

    const file = join(tmp(), 'file');
    writeFileSync(file, '');
    await expect(create({ directory: file }).start()).rejects.toThrow('is not a directory');
  });

  it('keeps one directory per component and signal, named so that ids never collide', async () => {
    expect(queueDirName('exporter/otlp/backend', 'traces')).toBe('exporter%2Fotlp%2Fbackend.traces');
    expect(queueDirName('exporter/otlp_a.b', 'logs')).toBe('exporter%2Fotlp_a%2Eb.logs');
    const dir = tmp();
    const s = create({ directory: dir });
    await s.start();
    const q = await s.openQueue('exporter/otlp', 'metrics');
    await q.append(Buffer.from('x'));
    expect(readdirSync(dir)).toEqual(['exporter%2Fotlp.metrics']);
    expect(readdirSync(join(dir, 'exporter%2Fotlp.metrics'))).toContain('LOCK');
    await s.shutdown(); // closes what owners left open
    await expect(q.append(Buffer.from('y'))).rejects.toThrow('closed');
  });

  it('lets a queue be open once: a second opener waits up to timeout for the first to close', async () => {
    const dir = tmp();
    const a = create({ directory: dir, timeout: '100ms' });
    const b = create({ directory: dir, timeout: '2s' });
    const first = await a.openQueue('exporter/x', 'logs');
    await expect(a.openQueue('exporter/x', 'logs')).rejects.toThrow('still in use by another component of this process (waited 100ms');
    const waiting = b.openQueue('exporter/x', 'logs');
    await first.append(Buffer.from('handed over'));
    await first.close();
    const second = await waiting;
    const got: string[] = [];
    for await (const r of second.readPending()) got.push(Buffer.from(r.bytes).toString());
    expect(got).toEqual(['handed over']);
    await second.close();
  });

  it('refuses a queue another live process holds, and takes over one whose process is gone', async () => {
    const dir = tmp();
    const qdir = join(dir, queueDirName('exporter/x', 'traces'));
    mkdirSync(qdir, { recursive: true });
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    await new Promise((r) => other.once('spawn', r));
    try {
      writeFileSync(join(qdir, 'LOCK'), `${other.pid}:`);
      await expect(create({ directory: dir, timeout: '100ms' }).openQueue('exporter/x', 'traces')).rejects.toThrow(
        `is in use by process ${other.pid} (waited 100ms; see timeout)`,
      );
    } finally {
      other.kill('SIGKILL');
      await new Promise((r) => other.once('close', r));
    }
    // the holder died (kill -9): its lock is stale
    const s = create({ directory: dir, timeout: '100ms' });
    const q = await s.openQueue('exporter/x', 'traces');
    await q.close();
    expect(existsSync(join(qdir, 'LOCK'))).toBe(false);
    // a lock file cut short by a crash is stale too
    writeFileSync(join(qdir, 'LOCK'), '');
    await (await s.openQueue('exporter/x', 'traces')).close();
  });
});
