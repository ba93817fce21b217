/**
 * Profiles: opentelemetry.proto.collector.profiles.v1development ExportProfilesServiceRequest
 * { repeated ResourceProfiles = 1, ProfilesDictionary dictionary = 2 }. Resources and scopes are
 * decoded into the model as for the other signals (so resource processors can work on them);
 * each Profile and the dictionary stay protobuf bytes, copied out of the request after being
 * read through the schema (profiles-schema.ts), which rejects bytes that are not such messages
 * and counts the samples.
 */
import type { DecodeLimits } from '../decode-limits.js';
import type { Profile, Profiles, ResourceProfiles, ScopeProfiles } from '../model.js';
import { readResourceGroup, writeMessageField, writeResourceGroups, type Envelope } from './common.js';
import { readAsJson } from './profiles-schema.js';
import { LEN, Reader } from './reader.js';
import { Writer } from './writer.js';

function readProfile(r: Reader, end: number): Profile {
  const start = r.pos;
  readAsJson(r, end, 'Profile');
  return profileOf(r.buf.slice(start, end));
}

/** A Profile from bytes known to be well-formed, with its samples (repeated field 2) counted. */
export function profileOf(encoded: Uint8Array): Profile {
  const r = new Reader(encoded);
  let sampleCount = 0;
  while (r.pos < r.len) {
    const tag = r.tag();
    if (tag === ((2 << 3) | LEN)) sampleCount++;
    r.skip(tag, r.len);
  }
  return { encoded, sampleCount };
}

const PROFILES: Envelope<Profiles, ResourceProfiles, ScopeProfiles, Profile> = {
  readItem: readProfile,
  writeItem: (w, p) => w.raw(p.encoded),
  data: (resourceProfiles) => ({ resourceProfiles, dictionary: new Uint8Array(0) }),
  resourceGroup: (resource, schemaUrl, scopeProfiles) => ({ resource, schemaUrl, scopeProfiles }),
  scopeGroup: (scope, schemaUrl, profiles) => ({ scope, schemaUrl, profiles }),
  resourcesOf: (d) => d.resourceProfiles,
  scopesOf: (g) => g.scopeProfiles,
  itemsOf: (g) => g.profiles,
};

/** ExportProfilesServiceRequest (or ProfilesData: same wire format) bytes to the model. */
export function decodeProfiles(buf: Uint8Array, limits?: DecodeLimits): Profiles {
  const r = new Reader(buf, limits);
  const end = r.len;
  const data = PROFILES.data([]);
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === ((1 << 3) | LEN)) {
      r.countItem();
      data.resourceProfiles.push(readResourceGroup(PROFILES, r, r.end(end)));
    } else if (tag === ((2 << 3) | LEN)) {
      const dictEnd = r.end(end);
      const start = r.pos;
      readAsJson(r, dictEnd, 'ProfilesDictionary');
      // protobuf merges repeated occurrences of a message field; so does concatenating them
      data.dictionary = data.dictionary.length ? concat(data.dictionary, buf.subarray(start, dictEnd)) : buf.slice(start, dictEnd);
    } else r.skip(tag, end);
  }
  r.done(end);
  return data;
}

/** The model as ExportProfilesServiceRequest bytes. */
export function encodeProfiles(data: Profiles): Uint8Array {
  const w = Writer.acquire();
  writeResourceGroups(PROFILES, w, data);
  if (data.dictionary.length) writeMessageField(w, 2, data.dictionary, (w, d) => w.raw(d));
  return w.finish();
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
