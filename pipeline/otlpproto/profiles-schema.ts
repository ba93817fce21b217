/**
 * The messages inside an OTLP profile (opentelemetry-proto profiles/v1development, as of
 * opentelemetry-proto ac2c4b5 / Collector pdata pprofile): Profile and ProfilesDictionary with
 * everything they hold. Summit never reads inside a profile, so instead of a model these are
 * one table that drives two walkers: protobuf bytes to OTLP/JSON (here, which is also how
 * received bytes are checked) and OTLP/JSON to protobuf (otlpjson/profiles.ts).
 */
import { base64 } from '../otlpjson/writer.js';
import { OtlpProtoError, MAX_VALUE_DEPTH } from './errors.js';
import { hex } from './ids.js';
import { I64, LEN, VARINT, type Reader } from './reader.js';

/** Protobuf scalar types, plus ids: bytes of a fixed size that OTLP/JSON writes as hex. */
export type ScalarKind = 'int32' | 'uint32' | 'int64' | 'uint64' | 'fixed64' | 'double' | 'bool' | 'string' | 'bytes' | 'id16' | 'id8';

export type MessageName =
  | 'Profile'
  | 'ValueType'
  | 'Sample'
  | 'ProfilesDictionary'
  | 'Mapping'
  | 'Location'
  | 'Line'
  | 'Function'
  | 'Link'
  | 'Stack'
  | 'KeyValueAndUnit'
  | 'AnyValue'
  | 'ArrayValue'
  | 'KeyValueList'
  | 'KeyValue';

export interface FieldSchema {
  no: number;
  /** The lowerCamelCase JSON name. */
  name: string;
  kind: ScalarKind | MessageName;
  repeated: boolean;
  /** A oneof member: present even when zero, so written whenever set. */
  oneof: boolean;
}

const field = (no: number, name: string, kind: ScalarKind | MessageName): FieldSchema => ({ no, name, kind, repeated: false, oneof: false });
const list = (no: number, name: string, kind: ScalarKind | MessageName): FieldSchema => ({ no, name, kind, repeated: true, oneof: false });
const member = (no: number, name: string, kind: ScalarKind | MessageName): FieldSchema => ({ no, name, kind, repeated: false, oneof: true });

export const MESSAGES: Record<MessageName, readonly FieldSchema[]> = {
  Profile: [
    field(1, 'sampleType', 'ValueType'),
    list(2, 'samples', 'Sample'),
    field(3, 'timeUnixNano', 'fixed64'),
    field(4, 'durationNano', 'uint64'),
    field(5, 'periodType', 'ValueType'),
    field(6, 'period', 'int64'),
    field(7, 'profileId', 'id16'),
    field(8, 'droppedAttributesCount', 'uint32'),
    field(9, 'originalPayloadFormat', 'string'),
    field(10, 'originalPayload', 'bytes'),
    list(11, 'attributeIndices', 'int32'),
  ],
  ValueType: [field(1, 'typeStrindex', 'int32'), field(2, 'unitStrindex', 'int32')],
  Sample: [
    field(1, 'stackIndex', 'int32'),
    list(2, 'attributeIndices', 'int32'),
    field(3, 'linkIndex', 'int32'),
    list(4, 'values', 'int64'),
    list(5, 'timestampsUnixNano', 'fixed64'),
  ],
  ProfilesDictionary: [
    list(1, 'mappingTable', 'Mapping'),
    list(2, 'locationTable', 'Location'),
    list(3, 'functionTable', 'Function'),
    list(4, 'linkTable', 'Link'),
    list(5, 'stringTable', 'string'),
    list(6, 'attributeTable', 'KeyValueAndUnit'),
    list(7, 'stackTable', 'Stack'),
  ],
  Mapping: [
    field(1, 'memoryStart', 'uint64'),
    field(2, 'memoryLimit', 'uint64'),
    field(3, 'fileOffset', 'uint64'),
    field(4, 'filenameStrindex', 'int32'),
    list(5, 'attributeIndices', 'int32'),
  ],
  Location: [field(1, 'mappingIndex', 'int32'), field(2, 'address', 'uint64'), list(3, 'lines', 'Line'), list(4, 'attributeIndices', 'int32')],
  Line: [field(1, 'functionIndex', 'int32'), field(2, 'line', 'int64'), field(3, 'column', 'int64')],
  Function: [field(1, 'nameStrindex', 'int32'), field(2, 'systemNameStrindex', 'int32'), field(3, 'filenameStrindex', 'int32'), field(4, 'startLine', 'int64')],
  Link: [field(1, 'traceId', 'id16'), field(2, 'spanId', 'id8')],
  Stack: [list(1, 'locationIndices', 'int32')],
  KeyValueAndUnit: [field(1, 'keyStrindex', 'int32'), field(2, 'value', 'AnyValue'), field(3, 'unitStrindex', 'int32')],
  AnyValue: [
    member(1, 'stringValue', 'string'),
    member(2, 'boolValue', 'bool'),
    member(3, 'intValue', 'int64'),
    member(4, 'doubleValue', 'double'),
    member(5, 'arrayValue', 'ArrayValue'),
    member(6, 'kvlistValue', 'KeyValueList'),
    member(7, 'bytesValue', 'bytes'),
  ],
  ArrayValue: [list(1, 'values', 'AnyValue')],
  KeyValueList: [list(1, 'values', 'KeyValue')],
  KeyValue: [field(1, 'key', 'string'), field(2, 'value', 'AnyValue')],
};

const BY_NUMBER = {} as Record<MessageName, ReadonlyMap<number, FieldSchema>>;
for (const [name, fields] of Object.entries(MESSAGES) as [MessageName, readonly FieldSchema[]][]) BY_NUMBER[name] = new Map(fields.map((f) => [f.no, f]));

const SCALARS: ReadonlySet<string> = new Set<ScalarKind>(['int32', 'uint32', 'int64', 'uint64', 'fixed64', 'double', 'bool', 'string', 'bytes', 'id16', 'id8']);

export function isScalar(kind: ScalarKind | MessageName): kind is ScalarKind {
  return SCALARS.has(kind);
}

/** The wire type a kind is written with (repeated numbers are written packed, as LEN). */
export function wireType(kind: ScalarKind | MessageName): number {
  if (!isScalar(kind)) return LEN;
  if (kind === 'fixed64' || kind === 'double') return I64;
  if (kind === 'string' || kind === 'bytes' || kind === 'id16' || kind === 'id8') return LEN;
  return VARINT;
}

/** Messages that nest into themselves (AnyValue) are the only way to go deep: bounded as elsewhere. */
const MAX_DEPTH = MAX_VALUE_DEPTH + 8;

/**
 * Reads one message of the schema from protobuf bytes into its OTLP/JSON form (64-bit integers
 * as decimal strings, bytes as base64, ids as hex), throwing {@link OtlpProtoError} for bytes
 * that are not such a message. Unknown fields are skipped, as protobuf readers do.
 */
export function readAsJson(r: Reader, end: number, name: MessageName, depth = 0): Record<string, unknown> {
  if (depth > MAX_DEPTH) r.fail(`${name} nested more than ${MAX_DEPTH} levels deep`);
  const fields = BY_NUMBER[name];
  const out: Record<string, unknown> = {};
  while (r.pos < end) {
    const tag = r.tag();
    const f = fields.get(tag >>> 3);
    if (!f) {
      r.skip(tag, end);
      continue;
    }
    const wire = tag & 7;
    const expected = wireType(f.kind);
    if (f.repeated && expected !== LEN && wire === LEN) {
      const packedEnd = r.end(end);
      const values = (out[f.name] ??= []) as unknown[];
      while (r.pos < packedEnd) {
        r.countValue();
        values.push(readScalar(r, f.kind as ScalarKind, packedEnd));
      }
      r.done(packedEnd);
      continue;
    }
    if (wire !== expected) r.fail(`${name}.${f.name} (field ${f.no}) has wire type ${wire}, expected ${expected}`);
    const value = isScalar(f.kind) ? readScalar(r, f.kind, end) : readAsJson(r, r.end(end), f.kind, depth + 1);
    if (f.repeated) {
      r.countValue();
      ((out[f.name] ??= []) as unknown[]).push(value);
    } else out[f.name] = value;
  }
  r.done(end);
  return out;
}

function readScalar(r: Reader, kind: ScalarKind, end: number): unknown {
  switch (kind) {
    case 'int32':
      return r.int32();
    case 'uint32':
      return r.uint32();
    case 'int64':
      return String(r.int64());
    case 'uint64':
      return String(BigInt.asUintN(64, r.int64()));
    case 'fixed64':
      return String(r.fixed64());
    case 'double': {
      const x = r.double();
      return Number.isFinite(x) ? x : String(x);
    }
    case 'bool':
      return r.bool();
    case 'string':
      return r.string(end);
    case 'bytes': {
      return base64(r.bytes(end));
    }
    case 'id16':
    case 'id8': {
      const b = r.bytes(end);
      const size = kind === 'id16' ? 16 : 8;
      if (b.length !== size && b.length !== 0) throw new OtlpProtoError(`id of ${b.length} bytes (must be ${size} or empty)`, r.pos);
      return hex(b, 0, b.length);
    }
  }
}
