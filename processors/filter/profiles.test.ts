import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConsumerError, type Profiles } from '../../pipeline/index.js';
import { decodeProfiles as decodeJson } from '../../pipeline/otlpjson/index.js';
import { decodeProfiles, encodeProfiles, profileFields } from '../../pipeline/otlpproto/index.js';
import { SelfTelemetry } from '../../pipeline/telemetry.js';
import { filterProcessorFactory, type FilterConfig } from './index.js';

const STRINGS = ['', 'cpu', 'nanoseconds', 'thread.name', 'main', 'gc', 'alloc_space', 'bytes'];

/** OTLP/JSON of one profile: its sample type, thread attribute (an index into the attribute table) and samples. */
function profile(id: string, sampleType: [number, number], threadAttribute: number, samples: number) {
  return {
    sampleType: { typeStrindex: sampleType[0], unitStrindex: sampleType[1] },
    profileId: id.repeat(32),
    timeUnixNano: '1767225600000000000',
    attributeIndices: [threadAttribute],
    samples: Array.from({ length: samples }, (_, i) => ({ stackIndex: 0, values: [String(i + 1)] })),
  };
}

/**
 * Three resources: checkout (cpu profiles of threads main and gc, an allocation profile of main),
 * a shim that the resource condition drops, and one of a single gc profile in its own scope.
 */
function request(): Profiles {
  return decodeJson({
    resourceProfiles: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
        scopeProfiles: [
          { scope: { name: 'ebpf' }, profiles: [profile('1', [1, 2], 1, 3), profile('2', [1, 2], 2, 2), profile('3', [6, 7], 1, 1)] },
          { scope: { name: 'jfr' }, profiles: [profile('4', [1, 2], 2, 4)] },
        ],
      },
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'containerd-shim-runc-v2' } }] },
        scopeProfiles: [{ scope: { name: 'ebpf' }, profiles: [profile('5', [1, 2], 1, 5)] }],
      },
    ],
    dictionary: {
      stringTable: STRINGS,
      attributeTable: [{}, { keyStrindex: 3, value: { stringValue: 'main' } }, { keyStrindex: 3, value: { stringValue: 'gc' } }],
    },
  });
}

function setup(config: FilterConfig) {
  const received: Profiles[] = [];
  const logs: Record<string, unknown>[] = [];
  const telemetry = new SelfTelemetry();
  const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const ctx = { id: 'filter/profiles', kind: 'processor' as const, signals: [], profiles: true, outputSignals: [], logger, telemetry, configDir: '.' };
  const next = { profiles: { consume: async (d: Profiles) => void received.push(d) } };
  const instance = filterProcessorFactory.create(ctx, config, next) as Awaited<ReturnType<typeof filterProcessorFactory.create>>;
  const consume = (data: Profiles) => (instance.consumers!.profiles as { consume(d: Profiles): Promise<void> }).consume(data);
  return { received, logs, telemetry, consume, consumers: instance.consumers! };
}

/** Each profile's id digit ('1' for 1111…), in order. */
const ids = (p: Profiles) => p.resourceProfiles.flatMap((rp) => rp.scopeProfiles.flatMap((sp) => sp.profiles.map((x) => profileFields(x).profileId[0])));

describe('filter processor on profiles', () => {
  it('drops profiles by profile conditions (attributes and sample type through the dictionary) and resources by resource conditions', async () => {
    const h = setup({
      profiles: {
        resource: ['IsMatch(attributes["service.name"], "containerd-shim-.*")'],
        profile: ['attributes["thread.name"] == "gc" and sample_type.type == "cpu"'],
      },
    });
    expect(Object.keys(h.consumers)).toEqual(['profiles']);
    const data = request();
    const kept = [data.resourceProfiles[0].scopeProfiles[0].profiles[0], data.resourceProfiles[0].scopeProfiles[0].profiles[2]];
    await h.consume(data);
    expect(h.received).toEqual([data]);
    expect(ids(data)).toEqual(['1', '3']);
    // the jfr scope lost its only profile, the shim resource went whole
    expect(data.resourceProfiles.map((rp) => rp.scopeProfiles.map((sp) => sp.scope.name))).toEqual([['ebpf']]);
    // kept profiles are the objects (so the bytes) that arrived
    expect(data.resourceProfiles[0].scopeProfiles[0].profiles).toEqual(kept);
    // dropped samples: 2 + 4 (gc cpu profiles) + 5 (the shim's)
    expect(await h.telemetry.exposition()).toContain('otelcol_processor_filter_profiles_filtered_total{filter="filter/profiles"} 11');
  });

  it('re-encodes what is left as a request that decodes to the kept profiles, byte for byte, and the same dictionary', async () => {
    const h = setup({ profiles: { profile: ['profile.profile_id.string == "22222222222222222222222222222222"'] } });
    const original = request();
    const wire = encodeProfiles(original);
    const data = decodeProfiles(wire);
    await h.consume(data);
    const again = decodeProfiles(encodeProfiles(data));
    expect(ids(again)).toEqual(['1', '3', '4', '5']);
    const bytes = (p: Profiles) => p.resourceProfiles.flatMap((rp) => rp.scopeProfiles.flatMap((sp) => sp.profiles.map((x) => Buffer.from(x.encoded).toString('hex'))));
    expect(bytes(again)).toEqual(bytes(original).filter((_, i) => i !== 1));
    expect(Buffer.from(again.dictionary)).toEqual(Buffer.from(original.dictionary));
    // nothing dropped: the request is the same bytes
    const untouched = decodeProfiles(wire);
    await setup({ profiles: { profile: ['sample_type.type == "wall"'] } }).consume(untouched);
    expect(Buffer.from(encodeProfiles(untouched))).toEqual(Buffer.from(wire));
  });

  it('takes upstream flat profile_conditions, each in the context its paths name', async () => {
    const h = setup({ profile_conditions: ['resource.attributes["service.name"] == "checkout"', 'profile.sample_type.unit == "bytes"'] } as FilterConfig);
    const data = request();
    await h.consume(data);
    expect(ids(data)).toEqual(['5']);
    const problems = filterProcessorFactory.validate!({ profile_conditions: ['span.name == "x"', 'profile.sample == 1'] } as FilterConfig);
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'profile_conditions[0]: path prefix "span" cannot be used here; this signal\'s contexts are resource, profile',
      expect.stringMatching(/^profiles\.profile\[0\]: condition 'profile\.sample == 1' at column 1: unknown path "profile\.sample" in the profile context; valid paths: profile_id, /),
    ]);
  });

  it('does not forward a batch it emptied; a profile pointing outside the dictionary fails per error_mode', async () => {
    const h = setup({ profiles: { profile: ['true'] } });
    await h.consume(request());
    expect(h.received).toEqual([]);

    const broken = () => ({ ...request(), dictionary: new Uint8Array(0) }); // every attribute index now points outside
    const ignoring = setup({ profiles: { profile: ['attributes["thread.name"] == "gc"'] } });
    await ignoring.consume(broken());
    expect(ids(ignoring.received[0])).toEqual(['1', '2', '3', '4', '5']);
    expect(ignoring.logs.find((l) => l.level === 40)).toMatchObject({ signal: 'profiles', errors: 5, first: expect.stringContaining("outside the dictionary's attribute_table (0 entries)") });

    const propagating = setup({ error_mode: 'propagate', profiles: { profile: ['attributes["thread.name"] == "gc"'] } });
    const err = await propagating.consume(broken()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConsumerError);
    expect((err as ConsumerError).retryable).toBe(false);
    expect((err as Error).message).toBe(
      `filter processor filter/profiles: failed to evaluate condition 'attributes["thread.name"] == "gc"': profile attribute_indices[0] is 1, outside the dictionary's attribute_table (0 entries)`,
    );
    expect(propagating.received).toEqual([]);
  });
});
