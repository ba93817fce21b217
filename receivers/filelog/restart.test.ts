import { appendFileSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanedUpAfterEach, startSummit, until } from '../../test/delivery-helpers.js';
import { tempDir } from '../../test/helpers.js';
import { GrowingOutput, readLogRecords } from '../../test/log-output.js';

const { running, dirs } = cleanedUpAfterEach();

/** Records one uncommitted batch holds at most (receivers/filelog/file-consumer.ts BATCH_RECORDS). */
const BATCH_RECORDS = 4096;

const config = `receivers:
  filelog:
    include: [./*.log]
    start_at: beginning
    poll_interval: 50ms
    storage: file_storage
extensions:
  file_storage:
    directory: ./state
    create_directory: true
exporters:
  file:
    path: ./out.jsonl
    append: true
service:
  extensions: [file_storage]
  telemetry:
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [filelog]
      exporters: [file]
`;

describe('filelog receiver across restarts (storage: file_storage)', () => {
  it('after kill -9 in the middle of a 1M-line file, a restart resumes: nothing missing, duplicates within one batch', { timeout: 180_000 }, async () => {
    const dir = tempDir('summit-filelog-restart-');
    dirs.push(dir);
    const n = 1_000_000;
    const chunks: string[] = [];
    for (let i = 0; i < n; i++) chunks.push(`{"seq":"line-${i}","msg":"a line of a large file"}\n`);
    writeFileSync(join(dir, 'big.log'), chunks.join(''));
    const out = join(dir, 'out.jsonl');

    const first = await startSummit(dir, config);
    running.push(first);
    const output = new GrowingOutput(out);
    // the output's size, not its records: decoding keeps up with Summit only at a distance, and on a
    // quiet machine Summit reads the whole file in about a second (its output is ~150 MB)
    await until(() => existsSync(out) && statSync(out).size >= 20 * 2 ** 20, 'a part of the file read', 60_000);
    await first.stop('SIGKILL');
    const beforeKill = output.poll();
    expect(beforeKill).toBeLessThan(n);

    running.push(await startSummit(dir, config));
    // lines written while Summit was down, and after the restart
    appendFileSync(join(dir, 'big.log'), `{"seq":"line-${n}"}\n`);
    await until(() => output.poll() >= n + 1, 'every line after the restart', 120_000);
    const counts = output.counts;
    const missing = [...Array(n + 1).keys()].filter((i) => !counts.has(i === n ? `{"seq":"line-${n}"}` : `{"seq":"line-${i}","msg":"a line of a large file"}`));
    expect(missing.slice(0, 5)).toEqual([]);
    const duplicates = [...counts.values()].reduce((s, c) => s + c - 1, 0);
    expect(duplicates).toBeLessThanOrEqual(BATCH_RECORDS);
    console.log(`kill -9 after ${beforeKill} of ${n} records: ${duplicates} duplicates after the restart`);
  });

  it('a clean restart neither re-reads nor skips (offsets of every file kept by fingerprint)', async () => {
    const dir = tempDir('summit-filelog-restart-');
    dirs.push(dir);
    writeFileSync(join(dir, 'a.log'), 'a-0\na-1\n');
    writeFileSync(join(dir, 'b.log'), 'b-0\n');
    const out = join(dir, 'out.jsonl');
    const first = await startSummit(dir, config);
    running.push(first);
    await until(() => readLogRecords(out).length >= 3, '3 records');
    expect(await first.stop('SIGTERM')).toBe(0);
    appendFileSync(join(dir, 'a.log'), 'a-2\n');
    running.push(await startSummit(dir, config));
    await until(() => readLogRecords(out).length >= 4, '4 records');
    await new Promise((r) => setTimeout(r, 400));
    expect(readLogRecords(out).map((r) => r.body).sort()).toEqual(['a-0', 'a-1', 'a-2', 'b-0']);
  });
});
