/**
 * Reading inside a profile, for the components that look at one (OTTL's profile context):
 * a Profile's own fields without its samples, and the dictionary's string and attribute tables.
 * The bytes were checked against the schema when received, so these readers only pick fields
 * out. Each is decoded once, on first use, and remembered for as long as the bytes live; a
 * profile nothing looks into is never decoded.
 */
import type { AnyValue, Profile } from '../model.js';
import { readAnyValue } from './common.js';
import { hex } from './ids.js';
import { I64, LEN, Reader, VARINT } from './reader.js';

/** ValueType { type_strindex = 1, unit_strindex = 2 }: indexes into the dictionary's string_table. */
export interface ValueType {
  typeStrindex: number;
  unitStrindex: number;
}

/** A Profile's fields other than its samples (which stay in the bytes). */
export interface ProfileFields {
  sampleType: ValueType;
  timeUnixNano: bigint;
  durationNano: bigint;
  periodType: ValueType;
  period: bigint;
  /** Lowercase hex; `""` when absent. */
  profileId: string;
  droppedAttributesCount: number;
  originalPayloadFormat: string;
  originalPayload: Uint8Array;
  /** Indexes into the dictionary's attribute_table. */
  attributeIndices: number[];
}

/** KeyValueAndUnit { key_strindex = 1, value = 2, unit_strindex = 3 }. */
export interface DictionaryAttribute {
  keyStrindex: number;
  value: AnyValue;
}

/** The tables of a ProfilesDictionary that attributes and value types resolve through. */
export interface DictionaryTables {
  strings: string[];
  attributes: DictionaryAttribute[];
}

const fieldsMemo = new WeakMap<Profile, ProfileFields>();
const tablesMemo = new WeakMap<Uint8Array, DictionaryTables>();

export function profileFields(profile: Profile): ProfileFields {
  let fields = fieldsMemo.get(profile);
  if (!fields) fieldsMemo.set(profile, (fields = readProfileFields(profile.encoded)));
  return fields;
}

/** `dictionary` is {@link Profiles.dictionary}: the same bytes object for every profile of a batch. */
export function dictionaryTables(dictionary: Uint8Array): DictionaryTables {
  let tables = tablesMemo.get(dictionary);
  if (!tables) tablesMemo.set(dictionary, (tables = readDictionaryTables(dictionary)));
  return tables;
}

function readValueType(r: Reader, end: number): ValueType {
  const out: ValueType = { typeStrindex: 0, unitStrindex: 0 };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === ((1 << 3) | VARINT)) out.typeStrindex = r.int32();
    else if (tag === ((2 << 3) | VARINT)) out.unitStrindex = r.int32();
    else r.skip(tag, end);
  }
  return out;
}

/** Repeated int32, packed (as writers send it) or not (as proto3 readers must also accept). */
function readInt32s(r: Reader, tag: number, end: number, out: number[]): void {
  if ((tag & 7) === VARINT) {
    out.push(r.int32());
    return;
  }
  const packedEnd = r.end(end);
  while (r.pos < packedEnd) out.push(r.int32());
}

function readProfileFields(encoded: Uint8Array): ProfileFields {
  const r = new Reader(encoded);
  const end = r.len;
  const f: ProfileFields = {
    sampleType: { typeStrindex: 0, unitStrindex: 0 },
    timeUnixNano: 0n,
    durationNano: 0n,
    periodType: { typeStrindex: 0, unitStrindex: 0 },
    period: 0n,
    profileId: '',
    droppedAttributesCount: 0,
    originalPayloadFormat: '',
    originalPayload: new Uint8Array(0),
    attributeIndices: [],
  };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case (1 << 3) | LEN:
        f.sampleType = readValueType(r, r.end(end));
        break;
      case (3 << 3) | I64:
        f.timeUnixNano = r.fixed64();
        break;
      case (4 << 3) | VARINT:
        f.durationNano = BigInt.asUintN(64, r.int64());
        break;
      case (5 << 3) | LEN:
        f.periodType = readValueType(r, r.end(end));
        break;
      case (6 << 3) | VARINT:
        f.period = r.int64();
        break;
      case (7 << 3) | LEN: {
        const id = r.bytes(end);
        f.profileId = hex(id, 0, id.length);
        break;
      }
      case (8 << 3) | VARINT:
        f.droppedAttributesCount = r.uint32();
        break;
      case (9 << 3) | LEN:
        f.originalPayloadFormat = r.string(end);
        break;
      case (10 << 3) | LEN:
        f.originalPayload = r.bytes(end);
        break;
      case (11 << 3) | LEN:
      case (11 << 3) | VARINT:
        readInt32s(r, tag, end, f.attributeIndices);
        break;
      default:
        r.skip(tag, end); // samples (2) and what a newer proto adds
    }
  }
  return f;
}

function readAttribute(r: Reader, end: number): DictionaryAttribute {
  const out: DictionaryAttribute = { keyStrindex: 0, value: null };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === ((1 << 3) | VARINT)) out.keyStrindex = r.int32();
    else if (tag === ((2 << 3) | LEN)) out.value = readAnyValue(r, r.end(end), 0);
    else r.skip(tag, end);
  }
  return out;
}

function readDictionaryTables(dictionary: Uint8Array): DictionaryTables {
  const r = new Reader(dictionary);
  const end = r.len;
  const tables: DictionaryTables = { strings: [], attributes: [] };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === ((5 << 3) | LEN)) tables.strings.push(r.string(end));
    else if (tag === ((6 << 3) | LEN)) tables.attributes.push(readAttribute(r, r.end(end)));
    else r.skip(tag, end);
  }
  return tables;
}
