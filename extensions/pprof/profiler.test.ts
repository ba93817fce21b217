import { Profile } from 'pprof-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessProfiler } from './profiler.js';

const profiler = new ProcessProfiler();
const retained: number[][] = [];

function retainSixteenMegabytes(): void {
  for (let i = 0; i < 2048; i++) retained.push(new Array<number>(1024).fill(i + 0.5));
}

beforeAll(() => profiler.start());
afterAll(() => profiler.stop());

describe('ProcessProfiler.heap', () => {
  it('attributes live sampled allocations to the function and file that made them', async () => {
    retainSixteenMegabytes();
    const heap = Profile.decode(await profiler.heap());
    const text = (i: unknown) => heap.stringTable.strings[Number(i)];
    const fn = heap.function.find((f) => text(f.name) === 'retainSixteenMegabytes');
    expect(fn).toBeDefined();
    expect(text(fn!.filename)).toMatch(/profiler\.test\.ts$/);
    const space = heap.sample.reduce((sum, s) => sum + Number(s.value[1]), 0);
    expect(space).toBeGreaterThan(8 * 1024 * 1024);
    expect(retained.length).toBe(2048);
  });
});
