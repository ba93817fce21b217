/**
 * A few hundred mutated envelopes (bit flips, truncation, wrong lengths, deep JSON, junk) sent
 * to one receiver: each gets a 200, 400 or 413 answer, and the receiver serves a good envelope
 * afterwards — never a crash, a 500 or a hang.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeader, envelope, post, startReceiver, stopReceivers, type Harness } from '../../test/sentry-helpers.js';

/** mulberry32: the same mutations on every run. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const base = Buffer.concat([
  envelope({ event_id: '9ec79c33ec9942ab8353589fcb2e04dc', sent_at: '2024-05-01T12:30:45Z', sdk: { name: 'fuzz', version: '1' } }, [
    { payload: { message: 'hello', level: 'warning', timestamp: 1714566645.5, contexts: { trace: { trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331' } }, tags: { a: 'b' } } },
    { type: 'attachment', header: { filename: 'log.txt' }, payload: Buffer.from([0, 1, 2, 0x0a, 0xff]) },
    { type: 'session', header: { length: null }, payload: { sid: 'x', status: 'ok' } },
  ]),
  Buffer.from('\n'),
]);

function mutate(rand: () => number): Buffer {
  const pick = (n: number) => Math.floor(rand() * n);
  const b = Buffer.from(base);
  switch (pick(7)) {
    case 0: {
      for (let i = 0, n = 1 + pick(8); i < n; i++) b[pick(b.length)] ^= 1 << pick(8);
      return b;
    }
    case 1:
      return b.subarray(0, pick(b.length));
    case 2: {
      const lengths = [-1, 0, 1, 7, 1e9, 2 ** 32, 3.5, '"12"', 'null', 99999];
      return Buffer.from(b.toString('latin1').replace(/"length":\d+/, `"length":${lengths[pick(lengths.length)]}`), 'latin1');
    }
    case 3: {
      const depth = 50 + pick(5000);
      return Buffer.from(`{}\n{"type":"event"}\n${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}\n`);
    }
    case 4: {
      const junk = Buffer.alloc(1 + pick(300));
      for (let i = 0; i < junk.length; i++) junk[i] = pick(256);
      const at = pick(b.length);
      return Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]);
    }
    case 5: {
      const lines = b.toString('latin1').split('\n');
      const i = pick(lines.length);
      lines.splice(pick(lines.length), 0, lines[i]);
      return Buffer.from(lines.join('\n'), 'latin1');
    }
    default:
      return Buffer.from(`{}\n${'{"type":"event","length":0}\n\n'.repeat(1 + pick(1500))}`);
  }
}

let h: Harness;
beforeAll(async () => {
  h = await startReceiver();
});
afterAll(stopReceivers);

describe('hostile envelopes', () => {
  it('are answered 200, 400 or 413, never crash or hang the receiver', async () => {
    const rand = prng(20240501);
    const bodies = Array.from({ length: 300 }, () => mutate(rand));
    const statuses = new Map<number, number>();
    for (let i = 0; i < bodies.length; i += 10) {
      const answers = await Promise.all(bodies.slice(i, i + 10).map((body) => post(h.address, '/api/42/envelope/', body, authHeader())));
      for (const a of answers) {
        statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
        if (a.status !== 200) expect(a.json().detail).toEqual(expect.any(String));
      }
    }
    expect([...statuses.keys()].filter((s) => ![200, 400, 413].includes(s))).toEqual([]);
    // the mix exercised both sides
    expect(statuses.get(200)).toBeGreaterThan(0);
    expect(statuses.get(400)).toBeGreaterThan(0);
    expect(statuses.get(413)).toBeGreaterThan(0);
    expect((await post(h.address, '/api/42/envelope/', base, authHeader())).status).toBe(200);
  });
});
