/** Upstream stanza's ByteSize: an integer, or a number with a unit (`1KiB`, `16kb`, `1.5MiB`), case-insensitive. */
const UNITS: Record<string, number> = { '': 1, b: 1, kb: 1000, mb: 1000 ** 2, gb: 1000 ** 3, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

export const byteSizeSchema = (defaultValue: number | string) => ({
  type: ['integer', 'string'],
  pattern: '^\\s*\\d+(\\.\\d+)?\\s*([kKmMgG][iI]?)?[bB]?\\s*$',
  default: defaultValue,
  description: 'bytes, e.g. 1024, 16KiB, 1MiB',
});

export function parseByteSize(v: number | string): number {
  if (typeof v === 'number') return v;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*$/i.exec(v);
  if (!m) throw new Error(`invalid byte size "${v}": expected e.g. 1024, 16KiB, 1MiB`);
  let unit = (m[2] ?? '').toLowerCase();
  if (unit && !unit.endsWith('b')) unit += 'b';
  return Math.floor(parseFloat(m[1]) * UNITS[unit]);
}
