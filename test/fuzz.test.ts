/**
 * A small seeded run of the fuzz probe (bench/fuzz.ts) against the embedded default pipeline,
 * end to end: mutated requests over HTTP (protobuf and JSON, gzip or not) and gRPC, decoded by
 * the receiver and carried through batch, spanmetrics, debug, prometheus and parquet.
 * pipeline/otlpproto/fuzz.test.ts covers the protobuf decoder alone. The second run sends mutated
 * Sentry envelopes (bench/fuzz-sentry.ts) to the sentry receiver. Requests are kept small,
 * below the sizes that reach the amplification defects the full probe is for.
 */
import { describe, expect, it } from 'vitest';
import { runFuzz } from '../bench/fuzz.js';

/** The answers the otlp receiver's README lists for accepted and refused input. */
const DOCUMENTED = ['HTTP 200', 'HTTP 400', 'HTTP 413', 'gRPC OK', 'gRPC INVALID_ARGUMENT', 'gRPC RESOURCE_EXHAUSTED'];

/** 60 small mutated requests of seed 7 at one receiver of the default pipeline. */
const smallRun = (target: 'otlp' | 'sentry') =>
  runFuzz({
    durationMs: 50_000,
    maxRequests: 60,
    seed: 7,
    concurrency: 3,
    inline: true,
    limits: { httpBytes: 256 * 1024, grpcBytes: 256 * 1024, maxItems: 2000, target },
    restart: false,
    sets: [],
  });

describe('mutated requests into the default pipeline', () => {
  it('are each accepted or refused, and leave Summit alive and draining on SIGTERM', async () => {
    const report = await smallRun('otlp');
    expect(report.crashes).toEqual([]);
    expect(report.requests).toBe(60);
    expect([...report.outcomes.keys()].filter((o) => !DOCUMENTED.includes(o))).toEqual([]);
    expect(report.answersAfter).toBe('HTTP 200');
    expect(report.exit).toMatch(/^exit 0 /);
  }, 60_000);

  it('mutated Sentry envelopes from the real SDK are each accepted or refused as the sentry receiver documents, and leave Summit alive', async () => {
    const report = await smallRun('sentry');
    expect(report.crashes).toEqual([]);
    expect(report.requests).toBe(60);
    expect([...report.outcomes.keys()].filter((o) => !['HTTP 200', 'HTTP 400', 'HTTP 413', 'HTTP 429'].includes(o))).toEqual([]);
    expect(report.outcomes.get('HTTP 200')).toBeGreaterThan(0);
    expect(report.answersAfter).toBe('HTTP 200');
    expect(report.exit).toMatch(/^exit 0 /);
  }, 60_000);
});
