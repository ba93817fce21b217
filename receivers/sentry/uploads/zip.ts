/**
 * Reading zip archives (Sentry's artifact bundles) that may be hostile: entries are read from
 * the central directory, the total they unpack to is bounded as they are inflated (a zip
 * bomb stops at the limit, whatever sizes it declares), and a name that is absolute or climbs
 * out (`../`) refuses the archive. Archives after a prefix (the `SYSB` header of a Sentry
 * source bundle) are read like self-extracting ones.
 */
import { inflateRawSync } from 'node:zlib';

export class ZipError extends Error {}

export interface ZipLimits {
  maxEntries: number;
  /** Bytes all entries unpack to together. */
  maxUnpackedBytes: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** The entries of `zip` by name (directories left out). */
export function readZip(zip: Buffer, limits: ZipLimits): Map<string, Buffer> {
  const eocd = findEocd(zip);
  const count = zip.readUInt16LE(eocd + 10);
  const cdSize = zip.readUInt32LE(eocd + 12);
  const cdOffset = zip.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) throw new ZipError('zip64 archives are not accepted');
  if (count > limits.maxEntries) throw new ZipError(`${count} entries, more than the ${limits.maxEntries} accepted`);
  // bytes before the archive (a prefix) shift every offset it records
  const shift = eocd - (cdOffset + cdSize);
  if (shift < 0) throw new ZipError('the central directory lies outside the archive');
  const entries = new Map<string, Buffer>();
  let unpacked = 0;
  let at = cdOffset + shift;
  for (let i = 0; i < count; i++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== CENTRAL) throw new ZipError(`entry ${i + 1}: bad central directory record`);
    const flags = zip.readUInt16LE(at + 8);
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localOffset = zip.readUInt32LE(at + 42) + shift;
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    at += 46 + nameLength + extraLength + commentLength;
    checkName(name);
    if (flags & 1) throw new ZipError(`${name}: encrypted entries are not accepted`);
    if (name.endsWith('/')) continue;
    if (entries.has(name)) throw new ZipError(`${name}: twice in the archive`);
    if (localOffset + 30 > zip.length || zip.readUInt32LE(localOffset) !== LOCAL) throw new ZipError(`${name}: bad local header`);
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    if (dataStart + compressedSize > zip.length) throw new ZipError(`${name}: its data runs past the end of the archive`);
    const raw = zip.subarray(dataStart, dataStart + compressedSize);
    const room = limits.maxUnpackedBytes - unpacked;
    let data: Buffer;
    if (method === 0) data = raw;
    else if (method === 8) {
      try {
        data = inflateRawSync(raw, { maxOutputLength: Math.max(1, room) });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
          throw new ZipError(`${name}: unpacks to more than the ${limits.maxUnpackedBytes} bytes accepted for one upload (max_upload_size)`);
        }
        throw new ZipError(`${name}: cannot inflate: ${(err as Error).message}`);
      }
    } else throw new ZipError(`${name}: compression method ${method} is not supported (only stored and deflate)`);
    unpacked += data.length;
    if (unpacked > limits.maxUnpackedBytes) throw new ZipError(`the archive unpacks to more than the ${limits.maxUnpackedBytes} bytes accepted for one upload (max_upload_size)`);
    entries.set(name, data);
  }
  return entries;
}

function findEocd(zip: Buffer): number {
  // the record is 22 bytes plus a comment of at most 64 KiB, at the end
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === EOCD) return i;
  }
  throw new ZipError('not a zip archive (no end of central directory record)');
}

/** Names are paths inside the bundle: relative, no `..`, no backslashes, drives or NULs. */
function checkName(name: string): void {
  if (name === '' || name.startsWith('/') || name.includes('\\') || name.includes('\0') || /^[a-zA-Z]:/.test(name) || name.split('/').includes('..')) {
    throw new ZipError(`entry ${JSON.stringify(name.slice(0, 200))}: its path escapes the bundle (absolute, or with ..)`);
  }
}
