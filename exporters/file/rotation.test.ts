import { describe, expect, it } from 'vitest';
import { backupName, backupsToRemove, formatStamp, parseStamp, type Backup } from './rotation.js';

const t = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 67));
const DAY = 24 * 60 * 60 * 1000;

describe('lumberjack backup names', () => {
  it('uses the 2006-01-02T15-04-05.000 layout in UTC', () => {
    expect(formatStamp(t, false)).toBe('2024-01-02T03-04-05.067');
    expect(backupName('/var/log/out.json', t, false)).toBe('/var/log/out-2024-01-02T03-04-05.067.json');
    expect(backupName('/var/log/noext', t, false)).toBe('/var/log/noext-2024-01-02T03-04-05.067');
  });

  it('round-trips stamps in UTC and in local time', () => {
    expect(parseStamp(formatStamp(t, false), false)).toEqual(t);
    expect(parseStamp(formatStamp(t, true), true)).toEqual(t);
    expect(parseStamp('2024-01-02', false)).toBeUndefined();
  });
});

describe('backup retention', () => {
  const now = Date.UTC(2024, 5, 1);
  const backups: Backup[] = [5, 1, 3, 2, 4].map((days) => ({ path: `b${days}`, time: new Date(now - days * DAY) }));
  const names = (bs: Backup[]) => bs.map((b) => b.path).sort();

  it('keeps the newest max_backups', () => {
    expect(names(backupsToRemove(backups, 2, 0, now))).toEqual(['b3', 'b4', 'b5']);
  });

  it('removes those older than max_days', () => {
    expect(names(backupsToRemove(backups, 0, 3, now))).toEqual(['b4', 'b5']);
  });

  it('applies both limits; 0 means no limit', () => {
    expect(names(backupsToRemove(backups, 4, 2, now))).toEqual(['b3', 'b4', 'b5']);
    expect(backupsToRemove(backups, 0, 0, now)).toEqual([]);
  });
});
