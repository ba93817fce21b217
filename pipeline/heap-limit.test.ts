import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { v8FlagMib, v8HeapLimit } from './heap-limit.js';

const MIB = 2 ** 20;

describe('v8FlagMib', () => {
  it('reads --name=N, --name N and underscores; the last one wins', () => {
    expect(v8FlagMib(['--max-old-space-size=192'], 'max-old-space-size')).toBe(192);
    expect(v8FlagMib(['--max_old_space_size', '300'], 'max-old-space-size')).toBe(300);
    expect(v8FlagMib(['--max-old-space-size=100', '--inspect', '--max-old-space-size=200'], 'max-old-space-size')).toBe(200);
    expect(v8FlagMib(['--max-old-space-size-x=1', '--max-semi-space-size=8'], 'max-old-space-size')).toBeUndefined();
  });
});

describe('v8HeapLimit', () => {
  it('is --max-old-space-size when set, whatever young generation V8 adds', () => {
    expect(v8HeapLimit(['--max-old-space-size=192'], 384 * MIB, '13.6.233')).toBe(192 * MIB);
    expect(v8HeapLimit(['--max-old-space-size=192'], 240 * MIB, '11.3.244')).toBe(192 * MIB);
  });

  it("otherwise heap_size_limit less three semi-spaces of V8's default or of --max-semi-space-size", () => {
    expect(v8HeapLimit([], 4288 * MIB, '13.6.233')).toBe(4096 * MIB);
    expect(v8HeapLimit([], 4144 * MIB, '12.4.254')).toBe(4096 * MIB);
    expect(v8HeapLimit(['--max-semi-space-size=1'], 4099 * MIB, '13.6.233')).toBe(4096 * MIB);
  });

  it("knows this Node's young generation: an unflagged heap_size_limit less it is the old generation", () => {
    const heapSizeLimit = (...flags: string[]) =>
      Number(spawnSync(process.execPath, [...flags, '-p', 'require("v8").getHeapStatistics().heap_size_limit'], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } }).stdout);
    const youngReserve = heapSizeLimit('--max-old-space-size=160') - 160 * MIB;
    const unflagged = heapSizeLimit();
    expect(youngReserve).toBeGreaterThan(0);
    expect(v8HeapLimit([], unflagged)).toBe(unflagged - youngReserve);
  });
});
