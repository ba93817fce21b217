/** The OTLP/JSON fixtures, through both codecs: JSON → model → protobuf → model. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Signal } from '../model.js';
import * as otlpjson from '../otlpjson/index.js';
import { decodeSignal, encodeSignal } from './index.js';
import { MESSAGE, otlpRoot } from './testing/otlp-descriptor.js';
import { fromProtobufjs } from './testing/protobufjs-convert.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../../test/fixtures/otlp-json/${name}.json`, import.meta.url)), 'utf8'));

const FIXTURES: [Signal, string][] = [
  ['traces', 'trace'],
  ['metrics', 'metrics'],
  ['logs', 'logs'],
];

describe('OTLP/JSON fixtures through protobuf', () => {
  const root = otlpRoot();

  it.each(FIXTURES)('%s: decode(encode(json model)) equals the json model', (signal, name) => {
    const model = otlpjson.decodeSignal(signal, fixture(name));
    expect(decodeSignal(signal, encodeSignal(signal, model))).toEqual(model);
  });

  it.each(FIXTURES)('%s: protobufjs reads our encoding as the same model', (signal, name) => {
    const model = otlpjson.decodeSignal(signal, fixture(name));
    const decoded = root.lookupType(MESSAGE[signal]).decode(encodeSignal(signal, model));
    expect(fromProtobufjs[signal](decoded)).toEqual(model);
  });

  it('trace: ids and nanoseconds survive exactly', () => {
    const model = otlpjson.decodeSignal('traces', fixture('trace'));
    const span = decodeSignal('traces', encodeSignal('traces', model)).resourceSpans[0].scopeSpans[0].spans[0];
    expect(span.traceId).toBe('5b8efff798038103d269b633813fc60c');
    expect(span.spanId).toBe('eee19b7ec3c1b174');
    expect(span.startTimeUnixNano).toBe(1544712660000000000n);
  });
});
