/** Export responses, google.rpc.Status and RetryInfo: round trips and protobufjs's view. */
import { describe, expect, it } from 'vitest';
import type { Signal } from '../model.js';
import {
  OtlpProtoError,
  RETRY_INFO_TYPE_URL,
  decodeExportResponse,
  decodeRetryInfo,
  decodeStatus,
  encodeExportResponse,
  encodeRetryInfo,
  encodeStatus,
} from './index.js';
import { RESPONSE, otlpRoot } from './testing/otlp-descriptor.js';

const root = otlpRoot();
const REJECTED: Record<Signal, string> = { traces: 'rejectedSpans', metrics: 'rejectedDataPoints', logs: 'rejectedLogRecords' };

describe.each(['traces', 'metrics', 'logs'] as const)('%s export response', (signal) => {
  const type = root.lookupType(RESPONSE[signal]);

  it('no partial success is an empty message', () => {
    expect(encodeExportResponse(signal)).toEqual(new Uint8Array(0));
    expect(decodeExportResponse(signal, new Uint8Array(0))).toBeUndefined();
  });

  it('round trips and reads as protobufjs writes it', () => {
    const p = { rejected: 42, errorMessage: 'some dropped: ünïcode' };
    expect(decodeExportResponse(signal, encodeExportResponse(signal, p))).toEqual(p);
    const decoded = type.decode(encodeExportResponse(signal, p)).toJSON();
    expect(decoded).toEqual({ partialSuccess: { [REJECTED[signal]]: '42', errorMessage: p.errorMessage } });
    const theirs = type.encode({ partialSuccess: { [REJECTED[signal]]: 7, errorMessage: 'x' } }).finish();
    expect(decodeExportResponse(signal, theirs)).toEqual({ rejected: 7, errorMessage: 'x' });
  });

  it('an all-default partial success is present but zero', () => {
    expect(decodeExportResponse(signal, encodeExportResponse(signal, { rejected: 0, errorMessage: '' }))).toEqual({ rejected: 0, errorMessage: '' });
  });
});

describe('google.rpc.Status and RetryInfo', () => {
  const Status = root.lookupType('google.rpc.Status');
  const RetryInfo = root.lookupType('google.rpc.RetryInfo');

  it('Status round trips with details', () => {
    const status = { code: 14, message: 'unavailable', details: [{ typeUrl: RETRY_INFO_TYPE_URL, value: encodeRetryInfo(2500) }] };
    expect(decodeStatus(encodeStatus(status))).toEqual(status);
    expect(decodeStatus(encodeStatus({ code: 0, message: '' }))).toEqual({ code: 0, message: '', details: [] });
  });

  it('decodes a Status and its RetryInfo produced by protobufjs', () => {
    const retry = RetryInfo.encode({ retryDelay: { seconds: 3, nanos: 250_000_000 } }).finish();
    const bytes = Status.encode({ code: 8, message: 'resource exhausted', details: [{ typeUrl: RETRY_INFO_TYPE_URL, value: retry }] }).finish();
    const status = decodeStatus(bytes);
    expect(status.code).toBe(8);
    expect(status.message).toBe('resource exhausted');
    expect(status.details[0].typeUrl).toBe(RETRY_INFO_TYPE_URL);
    expect(decodeRetryInfo(status.details[0].value)).toBe(3250);
  });

  it('protobufjs reads our Status and RetryInfo', () => {
    const bytes = encodeStatus({ code: 14, message: 'try later', details: [{ typeUrl: RETRY_INFO_TYPE_URL, value: encodeRetryInfo(1500.5) }] });
    const status = Status.toObject(Status.decode(bytes), { longs: String }) as { code: number; message: string; details: { typeUrl: string; value: Uint8Array }[] };
    expect(status.code).toBe(14);
    expect(status.message).toBe('try later');
    expect(RetryInfo.toObject(RetryInfo.decode(status.details[0].value), { longs: String })).toEqual({ retryDelay: { seconds: '1', nanos: 500_500_000 } });
  });

  it('RetryInfo: whole seconds, fractions, zero and absent delay', () => {
    for (const ms of [0, 1, 999, 1000, 1500, 60_000, 0.000001, 86_400_000]) expect(decodeRetryInfo(encodeRetryInfo(ms))).toBeCloseTo(ms, 6);
    expect(decodeRetryInfo(new Uint8Array(0))).toBeUndefined();
    expect(() => encodeRetryInfo(Infinity)).toThrow(OtlpProtoError);
  });

  it('a negative Status code (an int32) survives', () => {
    expect(decodeStatus(encodeStatus({ code: -1, message: '' })).code).toBe(-1);
  });
});
