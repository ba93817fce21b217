import { describe, expect, it } from 'vitest';
import { decodeProfiles as decodeJson, encodeProfiles as encodeJson, OtlpJsonError } from '../otlpjson/index.js';
import { countItems } from '../model-ops.js';
import { decodeProfiles, encodeProfiles, OtlpProtoError } from './index.js';

/** A request as OTLP/JSON: one profile of two samples, a dictionary with a link and a nested attribute value. */
const REQUEST = {
  resourceProfiles: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] },
      scopeProfiles: [
        {
          scope: { name: 'profiler' },
          profiles: [
            {
              sampleType: { typeStrindex: 1, unitStrindex: 2 },
              samples: [{ stackIndex: 1, values: ['7'], timestampsUnixNano: ['1767225600000000001'] }, { stackIndex: 1, values: ['-3'], attributeIndices: [1] }],
              timeUnixNano: '1767225600000000000',
              period: '10000000',
              profileId: '0123456789abcdef0123456789abcdef',
            },
          ],
        },
      ],
    },
  ],
  dictionary: {
    stringTable: ['', 'cpu', 'nanoseconds'],
    linkTable: [{}, { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174' }],
    attributeTable: [{}, { keyStrindex: 1, value: { arrayValue: { values: [{ intValue: '0' }, { boolValue: false }] } } }],
    mappingTable: [{}, { memoryLimit: '18446744073709551615' }],
    stackTable: [{}, { locationIndices: [1] }],
  },
};

describe('profiles codecs', () => {
  it('JSON → model → protobuf → model → JSON gives back the request, samples counted', () => {
    const fromJson = decodeJson(REQUEST);
    expect(countItems('profiles', fromJson)).toBe(2);
    const proto = encodeProfiles(fromJson);
    const fromProto = decodeProfiles(proto);
    expect(countItems('profiles', fromProto)).toBe(2);
    expect(fromProto.resourceProfiles[0].resource.attributes.get('service.name')).toBe('api');
    // zero values inside a oneof (intValue 0, boolValue false) survive: they say which member is set
    expect(JSON.parse(JSON.stringify(encodeJson(fromProto)))).toEqual(REQUEST);
    expect(encodeProfiles(fromProto)).toEqual(proto);
  });

  it('refuses bytes that are not profile messages, and JSON of the wrong shape, saying where', () => {
    const proto = encodeProfiles(decodeJson(REQUEST));
    // cut inside the dictionary: a length runs past the end
    expect(() => decodeProfiles(proto.subarray(0, proto.length - 3))).toThrow(OtlpProtoError);
    const badLink = structuredClone(REQUEST);
    badLink.dictionary.linkTable[1].traceId = 'abcd';
    expect(() => decodeJson(badLink)).toThrow(new OtlpJsonError('dictionary.linkTable[1].traceId', '32 hex characters', 'a string of 4 characters'));
    const badValue = structuredClone(REQUEST) as { resourceProfiles: { scopeProfiles: { profiles: { samples: { values: unknown[] }[] }[] }[] }[] };
    badValue.resourceProfiles[0].scopeProfiles[0].profiles[0].samples[1].values = [1.5];
    expect(() => decodeJson(badValue)).toThrow(/resourceProfiles\[0\]\.scopeProfiles\[0\]\.profiles\[0\]\.samples\[1\]\.values\[0\]: expected a 64-bit integer/);
  });

  it('a field with the wrong wire type is an error naming message and field', () => {
    // Profile { period (field 6, int64) as a LEN field }
    const profile = Uint8Array.from([0x32, 0x01, 0x00]);
    const request = Uint8Array.from([0x0a, 4 + profile.length, 0x12, 2 + profile.length, 0x12, profile.length, ...profile]);
    expect(() => decodeProfiles(request)).toThrow(/Profile\.period \(field 6\) has wire type 2, expected 0/);
  });
});
