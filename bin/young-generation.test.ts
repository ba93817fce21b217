import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../test/helpers.js';
import { capYoungGeneration } from './young-generation.js';

const MIB = 2 ** 20;

/**
 * A node process that allocates in many small tasks while keeping a rolling set of survivors
 * (as a pipeline holds its batches), with the compiled cap installed or not; prints the
 * largest semi-space it saw in MiB. A process of its own: V8 flags are process-wide.
 */
async function largestSemiSpaceMib(opts: { capMib: number | null; load: 'moderate' | 'busy'; nodeFlags?: string[] }): Promise<number> {
  const module = pathToFileURL(join(ROOT, 'dist', 'bin', 'young-generation.js')).href;
  // moderate: a few scavenges a second at a 2 MiB semi-space; busy: one task after the other, dozens a second
  const [tasks, objectsPerTask, pauseMs] = opts.load === 'moderate' ? [300, 400, 10] : [300, 5000, 0];
  const script = `
    const { capYoungGeneration, semiSpaceBytes } = await import(${JSON.stringify(module)});
    if (${opts.capMib} !== null) capYoungGeneration(${opts.capMib});
    let kept = [];
    let largest = 0;
    for (let task = 0; task < ${tasks}; task++) {
      await new Promise((r) => setTimeout(r, ${pauseMs}));
      for (let i = 0; i < ${objectsPerTask}; i++) kept.push({ i, name: 'span-' + i, attributes: [i, task] });
      if (kept.length > ${20 * objectsPerTask}) kept = [];
      largest = Math.max(largest, semiSpaceBytes());
    }
    console.log(largest / ${MIB});
  `;
  const { stdout } = await promisify(execFile)(process.execPath, [...(opts.nodeFlags ?? []), '--input-type=module', '-e', script]);
  return Number(stdout.trim());
}

describe('capYoungGeneration', () => {
  it('holds the semi-space at the cap at a moderate allocation rate, where V8 alone grows it past', async () => {
    const [uncapped, capped] = await Promise.all([largestSemiSpaceMib({ capMib: null, load: 'moderate' }), largestSemiSpaceMib({ capMib: 2, load: 'moderate' })]);
    expect(uncapped).toBeGreaterThan(2);
    expect(capped).toBeLessThanOrEqual(2);
    expect(capped).toBeGreaterThan(1); // it still grew from V8's initial 1 MiB up to the cap
  });

  it('lets the young generation grow past the cap while scavenges come 20 a second and more', async () => {
    expect(await largestSemiSpaceMib({ capMib: 2, load: 'busy' })).toBeGreaterThan(2);
  });

  it('leaves the young generation alone when node was told its size', async () => {
    expect(capYoungGeneration(2, ['--max-semi-space-size=32'])).toBeUndefined();
    expect(capYoungGeneration(2, ['--max_semi_space_size', '32'])).toBeUndefined();
    expect(capYoungGeneration(2, ['--semi-space-growth-factor=4'])).toBeUndefined();
    // the operator's flag wins over the cap in a real process too
    expect(await largestSemiSpaceMib({ capMib: 2, load: 'moderate', nodeFlags: ['--max-semi-space-size=4'] })).toBeGreaterThan(2);
  });
});
