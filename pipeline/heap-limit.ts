/**
 * How much V8 heap this process can fill before Node aborts with "JavaScript heap out of
 * memory". That is the old generation's limit, not `heap_size_limit`: the latter adds the
 * young generation's reserve (three semi-spaces), which is 48 MiB on Node 20 and 22 but
 * 192 MiB on Node 24, so with `--max-old-space-size=192` Node 24 reports 384 MiB and dies at
 * about 192.
 */
import v8 from 'node:v8';

const MIB = 2 ** 20;

/** The last `--NAME=N` / `--NAME N` (dashes or underscores) among the arguments, in MiB. */
export function v8FlagMib(args: readonly string[], name: string): number | undefined {
  const spelled = new RegExp(`^--${name.replaceAll('-', '[-_]')}(?:=(\\d+))?$`);
  let found: number | undefined;
  args.forEach((arg, i) => {
    const m = spelled.exec(arg);
    if (!m) return;
    const value = m[1] ?? args[i + 1];
    if (value !== undefined && /^\d+$/.test(value)) found = Number(value);
  });
  return found;
}

/** Node's own arguments: NODE_OPTIONS first, then the command line's, which win. */
export const nodeArgs = (): string[] => [...(process.env.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean), ...process.execArgv];

/** V8's default largest semi-space: 16 MiB up to V8 12 (Node 22), 64 MiB from V8 13 (Node 24). */
const defaultSemiSpaceMib = (v8Version = process.versions.v8): number => (Number(v8Version.split('.')[0]) >= 13 ? 64 : 16);

/**
 * The old generation's limit in bytes: `--max-old-space-size` when set, otherwise
 * `heap_size_limit` less the young generation's reserve (three semi-spaces of
 * `--max-semi-space-size` or V8's default).
 */
export function v8HeapLimit(
  args: readonly string[] = nodeArgs(),
  heapSizeLimit = v8.getHeapStatistics().heap_size_limit,
  v8Version = process.versions.v8,
): number {
  const oldSpace = v8FlagMib(args, 'max-old-space-size');
  if (oldSpace !== undefined && oldSpace > 0) return Math.min(oldSpace * MIB, heapSizeLimit);
  const youngReserve = 3 * (v8FlagMib(args, 'max-semi-space-size') || defaultSemiSpaceMib(v8Version)) * MIB;
  return heapSizeLimit > 2 * youngReserve ? heapSizeLimit - youngReserve : heapSizeLimit / 2;
}
