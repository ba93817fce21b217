import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deleteExpiredPartitions, deleteStaleTemporaryFiles, Sweeper } from './retention.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'summit-parquet-retention-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function partition(signal: string, date: string, hour: string): string {
  const p = join(dir, signal, `date=${date}`, `hour=${hour}`);
  mkdirSync(p, { recursive: true });
  writeFileSync(join(p, 'part-x.parquet'), 'x');
  return p;
}

const tree = () =>
  ['traces', 'logs', 'metrics']
    .filter((s) => existsSync(join(dir, s)))
    .flatMap((s) => readdirSync(join(dir, s)).flatMap((d) => readdirSync(join(dir, s, d)).map((h) => `${s}/${d}/${h}`)))
    .sort();

describe('retention', () => {
  it('deletes the hour partitions that ended more than retention ago, then empty date directories', async () => {
    partition('traces', '2024-03-01', '22');
    partition('traces', '2024-03-01', '23');
    partition('traces', '2024-03-02', '00');
    partition('traces', '2024-03-02', '01');
    partition('logs', '2024-02-01', '05');
    partition('metrics', '2024-03-02', '01');
    mkdirSync(join(dir, 'traces', 'not-a-partition'), { recursive: true });
    // now 2024-03-02 02:30, retention 3h: the cutoff is 2024-03-01 23:30, so hour 22 (ended 23:00) goes
    const removed = await deleteExpiredPartitions(dir, 3 * 3_600_000, Date.UTC(2024, 2, 2, 2, 30));
    expect(removed.map((p) => p.slice(dir.length + 1)).sort()).toEqual(['logs/date=2024-02-01', 'traces/date=2024-03-01/hour=22']);
    expect(tree()).toEqual([
      'metrics/date=2024-03-02/hour=01',
      'traces/date=2024-03-01/hour=23',
      'traces/date=2024-03-02/hour=00',
      'traces/date=2024-03-02/hour=01',
    ]);
    expect(existsSync(join(dir, 'traces', 'not-a-partition'))).toBe(true);
    // an hour later hour 23 goes too, and with it its date directory
    await deleteExpiredPartitions(dir, 3 * 3_600_000, Date.UTC(2024, 2, 2, 3, 30));
    expect(existsSync(join(dir, 'traces', 'date=2024-03-01'))).toBe(false);
  });

  it('a missing directory is nothing to do', async () => {
    expect(await deleteExpiredPartitions(join(dir, 'nope'), 1000, Date.now())).toEqual([]);
  });

  it('removes temporary files nobody wrote to for a while, and only those', async () => {
    mkdirSync(join(dir, '.tmp'));
    writeFileSync(join(dir, '.tmp', 'part-old.parquet.tmp'), 'x');
    writeFileSync(join(dir, '.tmp', 'part-new.parquet.tmp'), 'x');
    const twoHoursAgo = (Date.now() - 2 * 3_600_000) / 1000;
    utimesSync(join(dir, '.tmp', 'part-old.parquet.tmp'), twoHoursAgo, twoHoursAgo);
    const removed = await deleteStaleTemporaryFiles(dir, 3_600_000, Date.now());
    expect(removed).toEqual([join(dir, '.tmp', 'part-old.parquet.tmp')]);
    expect(readdirSync(join(dir, '.tmp'))).toEqual(['part-new.parquet.tmp']);
  });

  it('the sweeper runs at start; retention 0 keeps every partition', async () => {
    partition('traces', '2000-01-01', '00');
    const keep = new Sweeper({ dir, retentionMs: 0, staleTmpMs: 3_600_000, logger: pino({ level: 'silent' }) });
    await keep.start();
    await keep.stop();
    expect(tree()).toEqual(['traces/date=2000-01-01/hour=00']);
    const sweep = new Sweeper({ dir, retentionMs: 24 * 3_600_000, staleTmpMs: 3_600_000, logger: pino({ level: 'silent' }) });
    await sweep.start();
    await sweep.stop();
    expect(tree()).toEqual([]);
  });
});
