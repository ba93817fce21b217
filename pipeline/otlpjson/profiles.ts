/**
 * Profiles in OTLP/JSON. The model keeps each Profile and the dictionary as protobuf bytes
 * (see otlpproto/profiles.ts), so JSON is converted through the schema table both ways:
 * received JSON becomes protobuf once, at the receiver, and is written back as JSON only for
 * exporters that send JSON.
 */
import type { DecodeLimits } from '../decode-limits.js';
import type { Profile, Profiles } from '../model.js';
import { MAX_VALUE_DEPTH, decodeEnvelope, encodeEnvelope, type Envelope } from './common.js';
import { BOOL, BYTES, DOUBLE, INT32, INT64, Msg, SPAN_ID, STRING, TRACE_ID, UINT32, UINT64, type Scalar } from './reader.js';
import { MESSAGES, isScalar, readAsJson, wireType, type MessageName, type ScalarKind } from '../otlpproto/profiles-schema.js';
import { profileOf } from '../otlpproto/profiles.js';
import { LEN, Reader } from '../otlpproto/reader.js';
import { Writer } from '../otlpproto/writer.js';

const SCALARS: Record<ScalarKind, Scalar<unknown>> = {
  int32: INT32,
  uint32: UINT32,
  int64: INT64,
  uint64: UINT64,
  fixed64: UINT64,
  double: DOUBLE,
  bool: BOOL,
  string: STRING,
  bytes: BYTES,
  id16: TRACE_ID,
  id8: SPAN_ID,
};

function isZero(v: unknown): boolean {
  return v === 0 || v === 0n || v === false || v === '' || (v instanceof Uint8Array && v.length === 0);
}

function writeScalar(w: Writer, kind: ScalarKind, v: unknown): void {
  switch (kind) {
    case 'int32':
      return w.int32(v as number);
    case 'uint32':
      return w.uint32(v as number);
    case 'int64':
    case 'uint64':
      return w.int64(BigInt.asIntN(64, v as bigint));
    case 'fixed64':
      return w.fixed64(v as bigint);
    case 'double':
      return w.double(v as number);
    case 'bool':
      return w.bool(v as boolean);
    case 'string':
      return w.string(v as string);
    case 'bytes':
      return w.bytes(v as Uint8Array);
    case 'id16':
    case 'id8':
      return w.bytes(Buffer.from(v as string, 'hex'));
  }
}

/** One message of the schema from JSON into protobuf; errors name the JSON path. */
function writeFromJson(w: Writer, m: Msg, name: MessageName, depth: number): void {
  if (depth > MAX_VALUE_DEPTH) throw m.error(`values nested at most ${MAX_VALUE_DEPTH} levels deep`, 'deeper nesting');
  for (const f of MESSAGES[name]) {
    const tag = (f.no << 3) | wireType(f.kind);
    if (!isScalar(f.kind)) {
      const kind = f.kind;
      const nested = (sub: Msg) => {
        w.uint32(tag);
        const at = w.open();
        writeFromJson(w, sub, kind, depth + 1);
        w.close(at);
      };
      if (f.repeated) m.each(f.name, 'values', nested);
      else if (m.has(f.name)) nested(m.message(f.name));
      continue;
    }
    if (f.repeated) {
      const values = m.scalars(f.name, SCALARS[f.kind]);
      if (values.length === 0) continue;
      if (wireType(f.kind) === LEN) {
        for (const v of values) {
          w.uint32(tag);
          writeScalar(w, f.kind, v);
        }
      } else {
        w.uint32((f.no << 3) | LEN);
        const at = w.open();
        for (const v of values) writeScalar(w, f.kind, v);
        w.close(at);
      }
      continue;
    }
    if (!m.has(f.name)) continue;
    const v = m.get(f.name, SCALARS[f.kind]);
    if (isZero(v) && !f.oneof) continue;
    w.uint32(tag);
    writeScalar(w, f.kind, v);
  }
}

function messageFromJson(m: Msg, name: MessageName): Uint8Array {
  const w = Writer.acquire();
  writeFromJson(w, m, name, 0);
  return w.finish();
}

function asJson(encoded: Uint8Array, name: MessageName): Record<string, unknown> {
  const r = new Reader(encoded);
  return readAsJson(r, r.len, name);
}

const PROFILES: Envelope<Profile> = {
  resources: 'resourceProfiles',
  scopes: 'scopeProfiles',
  items: 'profiles',
  decodeItem: (m) => profileOf(messageFromJson(m, 'Profile')),
  encodeItem: (p) => asJson(p.encoded, 'Profile'),
  decodeExtra: (root) => ({ dictionary: root.has('dictionary') ? messageFromJson(root.message('dictionary'), 'ProfilesDictionary') : new Uint8Array(0) }),
  encodeExtra: (data) => {
    const dictionary = (data as Profiles).dictionary;
    return dictionary.length ? { dictionary: asJson(dictionary, 'ProfilesDictionary') } : {};
  },
};

/** An ExportProfilesServiceRequest as a JSON-ready object. */
export function encodeProfiles(data: Profiles): object {
  return encodeEnvelope(PROFILES, data);
}

/** Parsed JSON (an ExportProfilesServiceRequest or ProfilesData) to the model; throws OtlpJsonError. */
export function decodeProfiles(json: unknown, limits?: DecodeLimits): Profiles {
  return decodeEnvelope(PROFILES, json, limits) as Profiles;
}
