/**
 * OTLP profiles through a running Summit: no JS SDK sends profiles yet, so the client is
 * protobufjs with the profiles protos (written out below from opentelemetry-proto
 * v1development), over OTLP/HTTP (protobuf and JSON) and OTLP/gRPC, into otlp receiver →
 * otlp (gRPC) and otlphttp (protobuf and JSON) exporters → loopback servers that decode what
 * they get with the same protos. A second receiver's pipeline runs resourcedetection (env) and
 * filter, as the OpenTelemetry demo's collector does, and hands on through a forward connector.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import { Client, credentials, Metadata, Server, ServerCredentials, type ServiceError } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SummitProcess, freePort, runSummit, tempDir, writeFile } from './helpers.js';

const PROTOS = [
  `syntax = "proto3"; package opentelemetry.proto.common.v1;
  message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
    ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7; } }
  message ArrayValue { repeated AnyValue values = 1; }
  message KeyValueList { repeated KeyValue values = 1; }
  message KeyValue { string key = 1; AnyValue value = 2; }
  message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }`,
  `syntax = "proto3"; package opentelemetry.proto.resource.v1;
  message Resource { repeated opentelemetry.proto.common.v1.KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }`,
  `syntax = "proto3"; package opentelemetry.proto.profiles.v1development;
  message ProfilesDictionary { repeated Mapping mapping_table = 1; repeated Location location_table = 2; repeated Function function_table = 3;
    repeated Link link_table = 4; repeated string string_table = 5; repeated KeyValueAndUnit attribute_table = 6; repeated Stack stack_table = 7; }
  message ResourceProfiles { opentelemetry.proto.resource.v1.Resource resource = 1; repeated ScopeProfiles scope_profiles = 2; string schema_url = 3; }
  message ScopeProfiles { opentelemetry.proto.common.v1.InstrumentationScope scope = 1; repeated Profile profiles = 2; string schema_url = 3; }
  message Profile { ValueType sample_type = 1; repeated Sample samples = 2; fixed64 time_unix_nano = 3; uint64 duration_nano = 4;
    ValueType period_type = 5; int64 period = 6; bytes profile_id = 7; uint32 dropped_attributes_count = 8;
    string original_payload_format = 9; bytes original_payload = 10; repeated int32 attribute_indices = 11; }
  message Link { bytes trace_id = 1; bytes span_id = 2; }
  message ValueType { int32 type_strindex = 1; int32 unit_strindex = 2; }
  message Sample { int32 stack_index = 1; repeated int32 attribute_indices = 2; int32 link_index = 3; repeated int64 values = 4;
    repeated fixed64 timestamps_unix_nano = 5; }
  message Mapping { uint64 memory_start = 1; uint64 memory_limit = 2; uint64 file_offset = 3; int32 filename_strindex = 4; repeated int32 attribute_indices = 5; }
  message Stack { repeated int32 location_indices = 1; }
  message Location { int32 mapping_index = 1; uint64 address = 2; repeated Line lines = 3; repeated int32 attribute_indices = 4; }
  message Line { int32 function_index = 1; int64 line = 2; int64 column = 3; }
  message Function { int32 name_strindex = 1; int32 system_name_strindex = 2; int32 filename_strindex = 3; int64 start_line = 4; }
  message KeyValueAndUnit { int32 key_strindex = 1; opentelemetry.proto.common.v1.AnyValue value = 2; int32 unit_strindex = 3; }`,
  `syntax = "proto3"; package opentelemetry.proto.collector.profiles.v1development;
  message ExportProfilesServiceRequest { repeated opentelemetry.proto.profiles.v1development.ResourceProfiles resource_profiles = 1;
    opentelemetry.proto.profiles.v1development.ProfilesDictionary dictionary = 2; }`,
];
const root = new protobuf.Root();
for (const text of PROTOS) protobuf.parse(text, root, { keepCase: false });
const Request = root.lookupType('opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest');
const GRPC_PATH = '/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export';
const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';

/** A CPU profile of three samples over two stacks, everything indexed through the dictionary. */
function request(caseName: string): Record<string, unknown> {
  return {
    resourceProfiles: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }, { key: 'case', value: { stringValue: caseName } }] },
        scopeProfiles: [
          {
            scope: { name: 'ebpf-profiler', version: '0.1' },
            profiles: [
              {
                sampleType: { typeStrindex: 1, unitStrindex: 2 },
                periodType: { typeStrindex: 1, unitStrindex: 2 },
                period: '10000000',
                timeUnixNano: '1767225600000000000',
                durationNano: '10000000000',
                profileId: Buffer.from('0123456789abcdef0123456789abcdef', 'hex'),
                samples: [
                  { stackIndex: 1, values: ['20000000'], timestampsUnixNano: ['1767225600100000000'], linkIndex: 1 },
                  { stackIndex: 2, values: ['-5', '9007199254740993'], attributeIndices: [1] },
                  { stackIndex: 1, values: ['0'] },
                ],
              },
            ],
          },
        ],
      },
    ],
    dictionary: {
      stringTable: ['', 'cpu', 'nanoseconds', 'main', 'handle', 'app.go', 'thread.name'],
      mappingTable: [{}, { memoryStart: '4194304', memoryLimit: '18446744073709551615', filenameStrindex: 5 }],
      functionTable: [{}, { nameStrindex: 3, filenameStrindex: 5, startLine: '10' }, { nameStrindex: 4, filenameStrindex: 5, startLine: '-1' }],
      locationTable: [{}, { mappingIndex: 1, address: '4198400', lines: [{ functionIndex: 1, line: '12', column: '3' }] }, { lines: [{ functionIndex: 2, line: '40' }] }],
      stackTable: [{}, { locationIndices: [1] }, { locationIndices: [2, 1] }],
      linkTable: [{}, { traceId: Buffer.from(TRACE_ID, 'hex'), spanId: Buffer.from(SPAN_ID, 'hex') }],
      attributeTable: [{}, { keyStrindex: 6, value: { intValue: '0' } }],
    },
  };
}

const encode = (o: Record<string, unknown>): Buffer => Buffer.from(Request.encode(Request.fromObject(o)).finish());
/** Decoded back to a plain object with every 64-bit number as text and bytes as base64. */
const decode = (b: Uint8Array) => Request.toObject(Request.decode(b), { longs: String, bytes: String, defaults: false });
const caseOf = (o: ReturnType<typeof decode>): string =>
  (o.resourceProfiles[0].resource.attributes as { key: string; value: { stringValue: string } }[]).find((a) => a.key === 'case')!.value.stringValue;

/** The OTLP/JSON form of a request (hex ids, as the specification and upstream's pdata write them). */
function otlpJson(o: Record<string, unknown>): string {
  return JSON.stringify(o, (_k, v) => {
    if (v && v.type === 'Buffer') return undefined;
    return v;
  });
}
function jsonRequest(caseName: string): Record<string, unknown> {
  const o = JSON.parse(otlpJson(request(caseName)));
  o.resourceProfiles[0].scopeProfiles[0].profiles[0].profileId = '0123456789abcdef0123456789abcdef';
  o.dictionary.linkTable[1] = { traceId: TRACE_ID, spanId: SPAN_ID };
  return o;
}

const grpcReceived: Buffer[] = [];
const httpReceived: { path: string; type: string; body: Buffer }[] = [];
let grpcSink: Server;
let httpSink: HttpServer;
let summit: SummitProcess;
let httpIn = '';
let grpcIn = '';
let filteredIn = '';
/** What the env detector finds: Summit runs with OTEL_RESOURCE_ATTRIBUTES set to these. */
const DETECTED = { 'deployment.environment.name': 'e2e', 'host.name': 'profiler-host' };

beforeAll(async () => {
  const [sinkGrpc, sinkHttp, inGrpc, inHttp, inFiltered] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  grpcSink = new Server();
  grpcSink.addService(
    { Export: { path: GRPC_PATH, requestStream: false, responseStream: false, requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b, responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b } },
    { Export: (call: { request: Buffer }, cb: (e: null, r: Buffer) => void) => void (grpcReceived.push(call.request), cb(null, Buffer.alloc(0))) },
  );
  await new Promise<void>((resolve, reject) => grpcSink.bindAsync(`127.0.0.1:${sinkGrpc}`, ServerCredentials.createInsecure(), (e) => (e ? reject(e) : resolve())));
  httpSink = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      httpReceived.push({ path: req.url ?? '', type: req.headers['content-type'] ?? '', body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': req.headers['content-type'] ?? '' }).end(req.headers['content-type'] === 'application/json' ? '{}' : '');
    });
  });
  await new Promise<void>((r) => httpSink.listen(sinkHttp, '127.0.0.1', r));
  httpIn = `http://127.0.0.1:${inHttp}`;
  grpcIn = `127.0.0.1:${inGrpc}`;
  filteredIn = `http://127.0.0.1:${inFiltered}`;
  const config = writeFile(
    tempDir(),
    'summit.yaml',
    `receivers:
  otlp:
    protocols:
      grpc: {endpoint: "${grpcIn}"}
      http: {endpoint: "127.0.0.1:${inHttp}"}
  otlp/filtered:
    protocols:
      http: {endpoint: "127.0.0.1:${inFiltered}"}
processors:
  memory_limiter: {check_interval: 1s, limit_percentage: 80, spike_limit_percentage: 20}
  resource_detection: {detectors: [env]}
  filter/sanitize_profiles:
    error_mode: ignore
    profiles:
      resource:
        - 'attributes["service.name"] == "profiler-self"'
      profile:
        - 'IsMatch(resource.attributes["service.name"], "containerd-shim-.*")'
        - 'attributes["thread.name"] == "gc" and sample_type.type == "cpu"'
connectors:
  forward:
exporters:
  otlphttp/filtered: {profiles_endpoint: "http://127.0.0.1:${sinkHttp}/filtered", compression: none}
  otlp_grpc/out: {endpoint: "127.0.0.1:${sinkGrpc}", tls: {insecure: true}, sending_queue: {enabled: false}}
  otlphttp/proto: {endpoint: "http://127.0.0.1:${sinkHttp}", compression: none}
  otlphttp/json: {profiles_endpoint: "http://127.0.0.1:${sinkHttp}/json", encoding: json, compression: none}
  debug:
service:
  telemetry: {metrics: {level: none}}
  pipelines:
    profiles:
      receivers: [otlp]
      processors: [memory_limiter]
      exporters: [otlp_grpc/out, otlphttp/proto, otlphttp/json, debug]
    profiles/sanitize:
      receivers: [otlp/filtered]
      processors: [resource_detection, filter/sanitize_profiles, memory_limiter]
      exporters: [forward]
    profiles/forwarded:
      receivers: [forward]
      exporters: [otlphttp/filtered]
`,
  );
  const env = { OTEL_RESOURCE_ATTRIBUTES: Object.entries(DETECTED).map(([k, v]) => `${k}=${v}`).join(',') };
  summit = new SummitProcess(['--config', config, '--feature-gates=service.profilesSupport'], { env });
  await summit.waitForLog(/Everything is ready/);
}, 30_000);

afterAll(async () => {
  await summit?.stop();
  grpcSink?.forceShutdown();
  httpSink?.close();
});

async function until<T>(what: string, find: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; summit log:\n${summit.stderr}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** What each of the three exporters delivered for one case. */
async function delivered(caseName: string) {
  const grpc = await until('the otlp exporter', () => grpcReceived.map(decode).find((o) => caseOf(o) === caseName));
  const proto = await until('otlphttp (protobuf)', () =>
    httpReceived.filter((r) => r.path === '/v1development/profiles').map((r) => decode(r.body)).find((o) => caseOf(o) === caseName),
  );
  const json = await until('otlphttp (json)', () =>
    httpReceived
      .filter((r) => r.path === '/json')
      .map((r) => JSON.parse(r.body.toString()))
      .find((o) => o.resourceProfiles[0].resource.attributes.some((a: { value: { stringValue: string } }) => a.value.stringValue === caseName)),
  );
  return { grpc, proto, json };
}

function post(body: Buffer | string, type: string) {
  return fetch(`${httpIn}/v1development/profiles`, { method: 'POST', headers: { 'content-type': type }, body: typeof body === 'string' ? body : new Uint8Array(body) });
}

describe('OTLP profiles through summit', () => {
  it('protobuf over HTTP arrives unchanged at the otlp and otlphttp exporters\' servers, and as OTLP/JSON with hex ids', async () => {
    const res = await post(encode(request('http-proto')), 'application/x-protobuf');
    expect(res.status).toBe(200);
    const { grpc, proto, json } = await delivered('http-proto');
    const sent = decode(encode(request('http-proto')));
    expect(grpc).toEqual(sent);
    expect(proto).toEqual(sent);
    expect(json.dictionary.linkTable[1]).toEqual({ traceId: TRACE_ID, spanId: SPAN_ID });
    expect(json.dictionary.mappingTable[1].memoryLimit).toBe('18446744073709551615');
    const profile = json.resourceProfiles[0].scopeProfiles[0].profiles[0];
    expect(profile.profileId).toBe('0123456789abcdef0123456789abcdef');
    expect(profile.samples[1].values).toEqual(['-5', '9007199254740993']);
    expect(json.dictionary.attributeTable[1].value).toEqual({ intValue: '0' });
    await until('the debug exporter', () => (/Profiles \{\\"resource profiles\\": 1, \\"sample records\\": 3\}/.test(summit.stderr) ? true : undefined));
  });

  it('OTLP/JSON over HTTP is sent on as the same protobuf a protobuf client would have sent', async () => {
    const res = await post(JSON.stringify(jsonRequest('http-json')), 'application/json');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    const { grpc, proto } = await delivered('http-json');
    const sent = decode(encode(request('http-json')));
    expect(grpc).toEqual(sent);
    expect(proto).toEqual(sent);
  });

  it('gRPC ProfilesService/Export is received and sent on', async () => {
    const client = new Client(grpcIn, credentials.createInsecure());
    const err = await new Promise<ServiceError | null>((resolve) =>
      client.makeUnaryRequest(GRPC_PATH, (b: Buffer) => b, (b: Buffer) => b, encode(request('grpc')), new Metadata(), (e) => resolve(e)),
    );
    client.close();
    expect(err).toBeNull();
    const { grpc } = await delivered('grpc');
    expect(grpc).toEqual(decode(encode(request('grpc'))));
  });

  it('refuses what is not a profiles request with a 400 saying where', async () => {
    const good = encode(request('bad'));
    // the profile's first sample claims more bytes than its message has
    const truncated = Buffer.from(good.subarray(0, good.length - 40));
    const res = await post(truncated, 'application/x-protobuf');
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/cannot decode profiles request: .*(byte|end)/);
    const badJson = jsonRequest('bad');
    (badJson.dictionary as { stackTable: unknown[] }).stackTable[1] = { locationIndices: ['x'] };
    const res2 = await post(JSON.stringify(badJson), 'application/json');
    expect(res2.status).toBe(400);
    expect(await res2.json()).toMatchObject({ code: 3, message: expect.stringContaining('dictionary.stackTable[1].locationIndices[0]: expected a 32-bit integer') });
  });
});

describe('profiles through resourcedetection, filter and a forward connector (the OpenTelemetry demo\'s profiles pipeline)', () => {
  const resourceOf = (service: string) => ({
    attributes: [
      { key: 'service.name', value: { stringValue: service } },
      { key: 'case', value: { stringValue: 'filter' } },
    ],
  });
  /** A profile of one sample, of a thread (an index into the attribute table), cpu time unless said otherwise. */
  const profile = (id: string, thread: number, sampleType = { typeStrindex: 1, unitStrindex: 2 }) => ({
    sampleType,
    timeUnixNano: '1767225600000000000',
    durationNano: '10000000000',
    profileId: Buffer.from(id.repeat(32), 'hex'),
    attributeIndices: [thread],
    samples: [{ stackIndex: 1, values: ['10000000'] }],
  });
  const ALLOC = { typeStrindex: 7, unitStrindex: 8 };
  const scoped = (...profiles: object[]) => [{ scope: { name: 'ebpf-profiler', version: '0.1' }, profiles }];
  /** checkout: cpu profiles of threads main and gc, an allocation profile of gc; a containerd shim; the profiler itself. */
  const filterRequest = () => ({
    resourceProfiles: [
      { resource: resourceOf('checkout'), scopeProfiles: scoped(profile('1', 1), profile('2', 2), profile('3', 2, ALLOC)) },
      { resource: resourceOf('containerd-shim-runc-v2'), scopeProfiles: scoped(profile('4', 1)) },
      { resource: resourceOf('profiler-self'), scopeProfiles: scoped(profile('5', 1)) },
    ],
    dictionary: {
      stringTable: ['', 'cpu', 'nanoseconds', 'main', 'gc', 'app.go', 'thread.name', 'alloc_space', 'bytes'],
      attributeTable: [{}, { keyStrindex: 6, value: { stringValue: 'main' } }, { keyStrindex: 6, value: { stringValue: 'gc' } }],
      functionTable: [{}, { nameStrindex: 3, filenameStrindex: 5 }],
      locationTable: [{}, { lines: [{ functionIndex: 1, line: '12' }] }],
      stackTable: [{}, { locationIndices: [1] }],
    },
  });

  it('drops a profile by a profile condition and resources by a resource condition and 047\'s condition, stamps the detected resource, and forwards the rest byte for byte', async () => {
    const res = await fetch(`${filteredIn}/v1development/profiles`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: new Uint8Array(encode(filterRequest())),
    });
    expect(res.status).toBe(200);
    const body = await until('the forwarded pipeline\'s otlphttp exporter', () => httpReceived.find((r) => r.path === '/filtered')?.body);

    // what upstream would send on: checkout alone, its gc cpu profile gone, the env detector's attributes added
    const expected = filterRequest();
    const checkout = expected.resourceProfiles[0];
    const [kept1, , kept3] = checkout.scopeProfiles[0].profiles;
    checkout.scopeProfiles[0].profiles = [kept1, kept3];
    checkout.resource.attributes.push(...Object.entries(DETECTED).map(([key, v]) => ({ key, value: { stringValue: v } })));
    expected.resourceProfiles = [checkout];
    expect(decode(body)).toEqual(decode(encode(expected)));
    // and as the same bytes: the kept profiles and the dictionary are passed on as they arrived
    expect(Buffer.from(body).equals(encode(expected))).toBe(true);
    expect(httpReceived.filter((r) => r.path === '/filtered')).toHaveLength(1);
  });

  it('forwards nothing for a request filtered down to nothing, and still answers 200', async () => {
    const before = httpReceived.length;
    const onlyDropped = { ...filterRequest(), resourceProfiles: filterRequest().resourceProfiles.slice(1) };
    const res = await fetch(`${filteredIn}/v1development/profiles`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array(encode(onlyDropped)) });
    expect(res.status).toBe(200);
    // a request that does pass, sent after it, is the next thing the sink sees
    const marker = filterRequest();
    marker.resourceProfiles = [marker.resourceProfiles[0]];
    marker.resourceProfiles[0].resource.attributes[1].value.stringValue = 'after-empty';
    await fetch(`${filteredIn}/v1development/profiles`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array(encode(marker)) });
    await until('the marker request', () => httpReceived.slice(before).find((r) => r.path === '/filtered'));
    const next = httpReceived.slice(before).filter((r) => r.path === '/filtered');
    expect(next).toHaveLength(1);
    expect(caseOf(decode(next[0].body))).toBe('after-empty');
  });
});

describe('profiles pipelines in config', () => {
  const config = (pipeline: string) =>
    writeFile(tempDir(), 'c.yaml', `receivers:\n  otlp:\n    protocols: {http: {endpoint: "127.0.0.1:0"}}\nprocessors:\n  batch:\nexporters:\n  debug:\n  file: {path: /tmp/x.jsonl}\nservice:\n  pipelines:\n    profiles/x:\n${pipeline}`);

  it('names, at file:line:col, each component that cannot take profiles', async () => {
    const file = config('      receivers: [otlp]\n      processors: [batch]\n      exporters: [debug, file]\n');
    const out = await runSummit(['validate', '--config', file, '--feature-gates=service.profilesSupport']);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain(`${file}:13:20: service::pipelines::profiles/x: processors[0]: processor "batch" does not support profiles; it supports: traces, metrics, logs`);
    expect(out.stderr).toContain(`${file}:14:26: service::pipelines::profiles/x: exporters[1]: exporter "file" does not support profiles`);
    expect(out.stderr).not.toMatch(/"otlp" does not support|"debug" does not support/);
  });

  it('loads with the gate, and without it says which gate', async () => {
    const file = config('      receivers: [otlp]\n      exporters: [debug]\n');
    expect((await runSummit(['validate', '--config', file, '--feature-gates=service.profilesSupport'])).code).toBe(0);
    const without = await runSummit(['validate', '--config', file]);
    expect(without.stderr).toContain('signal "profiles" is not supported without --feature-gates=service.profilesSupport');
  });
});
