/**
 * Mutated Sentry requests for the fuzz probe's `--target sentry` (fuzz.ts): envelopes the real
 * @sentry/node SDK sent — an error with breadcrumbs and context, a message, a transaction with
 * child spans, logs, session updates, a check-in — captured through a custom transport once
 * per run, then mutated by a seeded generator and POSTed to the `sentry` receiver's envelope
 * endpoint, or an event alone to the store endpoint. The SDK's ids and times differ between
 * runs, but not their lengths, so the same seed mutates the same bytes.
 */
import * as Sentry from '@sentry/node';
import { gzipSync } from 'node:zlib';
import type { Rng } from '../pipeline/otlpproto/testing/random.js';
import { BAD_UTF8, corruptJsonNumber, flipBits, jsonWrongType, type FuzzLimits, type FuzzRequest } from './fuzz-inputs.js';

/** Every envelope the SDK sends for a scenario that uses each kind of item. */
export async function captureSdkEnvelopes(): Promise<Buffer[]> {
  const bodies: Buffer[] = [];
  Sentry.init({
    dsn: 'https://0123456789abcdef0123456789abcdef@sentry.example/1',
    release: 'fuzz@1.0.0',
    environment: 'production',
    defaultIntegrations: false,
    tracesSampleRate: 1,
    traceLifecycle: 'static',
    transport: (options) =>
      Sentry.createTransport(options, async (request) => {
        bodies.push(Buffer.from(request.body));
        return { statusCode: 200 };
      }),
  });
  Sentry.setUser({ id: '42', email: 'user@example.com' });
  Sentry.setTag('region', 'eu');
  Sentry.addBreadcrumb({ category: 'http', message: 'GET /cart', data: { status: 200 } });
  Sentry.startSession();
  Sentry.captureSession();
  Sentry.startSpan({ name: 'GET /checkout', op: 'http.server', attributes: { 'http.request.method': 'GET' } }, () => {
    Sentry.startSpan({ name: 'SELECT cart', op: 'db' }, () => undefined);
    Sentry.logger.info(Sentry.logger.fmt`user ${'bob'} checked out`, { count: 3, price: 2.5 });
    Sentry.captureException(new TypeError("Cannot read properties of undefined (reading 'total')"), { extra: { cart: { items: [1, 2, 3] } } });
  });
  Sentry.captureMessage('payment retried', 'warning');
  Sentry.captureCheckIn({ monitorSlug: 'nightly', status: 'ok' });
  Sentry.endSession();
  await Sentry.close(5000);
  // lengths kept, so mutation offsets do not move with the clock
  return bodies.map((b) => Buffer.from(b.toString('latin1').replace(/(\d{10})\.(\d+)/g, (_m, secs: string, frac: string) => `${secs}.${'5'.repeat(frac.length)}`), 'latin1'));
}

type Make = (r: Rng, envelope: Buffer, room: number) => { name: string; body: Buffer };

/** The envelope's lines: header, then item header and payload pairs. */
const lines = (b: Buffer) => b.toString('utf8').split('\n');

const ITEM_TYPES = ['event', 'transaction', 'session', 'sessions', 'log', 'span', 'check_in', 'client_report', 'attachment', 'profile', 'replay_event', 'feedback', 'nonsense'];
const LENGTHS = ['0', '1', '-1', '2147483647', '9007199254740993', '1e400', '"12"', 'null', '{}'];

/** Replaces one match of `re` in the text (a random one) by what `to` makes of it. */
function replaceOne(r: Rng, body: Buffer, re: RegExp, to: (m: RegExpMatchArray) => string): { found: string; body: Buffer } | undefined {
  const text = body.toString('utf8');
  const all = [...text.matchAll(re)];
  if (all.length === 0) return undefined;
  const m = r.pick(all);
  return { found: m[0], body: Buffer.from(text.slice(0, m.index) + to(m) + text.slice(m.index! + m[0].length)) };
}

const MUTATIONS: { family: string; weight: number; make: Make }[] = [
  { family: 'valid', weight: 1, make: (_r, e) => ({ name: 'valid', body: e }) },
  { family: 'bitflip', weight: 5, make: (r, e) => ({ name: 'bitflip', body: flipBits(r, e, 1 + r.int(16)) }) },
  {
    family: 'truncate',
    weight: 3,
    make: (r, e) => {
      const at = r.int(e.length);
      return { name: `truncate at ${at}/${e.length}`, body: e.subarray(0, at) };
    },
  },
  {
    family: 'length',
    weight: 3,
    make: (r, e) => {
      const value = r.pick(LENGTHS);
      // an item header's declared payload length: rewritten, or added where the SDK wrote none
      const done = replaceOne(r, e, /"length":\s*[^,}]*/g, () => `"length":${value}`) ?? replaceOne(r, e, /\{"type":/g, () => `{"length":${value},"type":`);
      return { name: `length → ${value}`, body: done?.body ?? e };
    },
  },
  {
    family: 'item-type',
    weight: 2,
    make: (r, e) => {
      const type = r.pick(ITEM_TYPES);
      const done = replaceOne(r, e, /"type":"[a-z_]+"/g, () => `"type":"${type}"`);
      return { name: `item-type ${done?.found ?? '(none)'} → ${type}`, body: done?.body ?? e };
    },
  },
  { family: 'number', weight: 2, make: (r, e) => corruptJsonNumber(r, e) },
  { family: 'type', weight: 2, make: (r, e) => jsonWrongType(r, e) },
  {
    family: 'giant-string',
    weight: 2,
    make: (r, e, room) => {
      const size = Math.floor(10 ** (3 + r.next() * (Math.log10(room) - 3)));
      const done = replaceOne(r, e, /:"(?:[^"\\]|\\.)*"/g, () => `:"${'x'.repeat(size)}"`);
      return { name: `giant-string ${(size / 1024).toFixed(0)} KiB`, body: done?.body ?? e };
    },
  },
  {
    family: 'deep-nesting',
    weight: 2,
    make: (r, e, room) => {
      const depth = Math.min(r.pick([100, 1000, 10_000, 100_000, 1_000_000]), Math.floor(room / 2));
      const nested = r.int(2) === 0 ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
      const done = replaceOne(r, e, /:(\{|\[|"(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*|true|false|null)/g, (m) => `:${nested}${m[1] === '{' || m[1] === '[' ? ',"rest":' + m[1] : ''}`);
      return { name: `deep-nesting ${depth}`, body: done?.body ?? e };
    },
  },
  {
    family: 'invalid-utf8',
    weight: 2,
    make: (r, e) => {
      const [what, bytes] = r.pick(BAD_UTF8);
      const text = e.toString('latin1');
      const quotes = [...text.matchAll(/"[a-zA-Z]/g)];
      if (quotes.length === 0) return { name: 'invalid-utf8 (no string)', body: e };
      const at = r.pick(quotes).index! + 1;
      return { name: `invalid-utf8 ${what}`, body: Buffer.concat([e.subarray(0, at), Buffer.from(bytes), e.subarray(at)]) };
    },
  },
  {
    family: 'many-items',
    weight: 2,
    make: (r, e, room) => {
      const [header, ...rest] = lines(e);
      const pairs: string[] = [];
      for (let i = 0; i + 1 < rest.length; i += 2) pairs.push(`${rest[i]}\n${rest[i + 1]}`);
      const item = pairs.length ? r.pick(pairs) : '{"type":"log"}\n{}';
      const n = Math.max(1, Math.floor(10 ** (r.next() * Math.log10(Math.max(10, room / (item.length + 1))))));
      return { name: `many-items ${n} × ${item.slice(0, 40).split('\n')[0]}`, body: Buffer.from(header + `\n${item}`.repeat(n)) };
    },
  },
  {
    family: 'many-lines',
    weight: 1,
    make: (r, e, room) => {
      const n = Math.floor(10 ** (1 + r.next() * (Math.log10(room) - 1)));
      return { name: `many-lines ${n} empty`, body: Buffer.concat([e, Buffer.alloc(n, '\n')]) };
    },
  },
  { family: 'random', weight: 1, make: (r) => ({ name: 'random bytes', body: Buffer.from(Array.from({ length: r.int(4096) }, () => r.int(256))) }) },
];

export const SENTRY_MUTATION_FAMILIES = MUTATIONS.map((m) => m.family);

/** One request to the sentry receiver: an envelope (or, one in five, an event to the store endpoint), mutated, maybe gzip. */
export function sentryRequest(r: Rng, envelopes: Buffer[], limits: FuzzLimits): FuzzRequest {
  const envelope = r.pick(envelopes);
  const kinds = MUTATIONS.filter((k) => !(limits.skip ?? []).includes(k.family));
  let x = r.next() * kinds.reduce((s, k) => s + k.weight, 0);
  const kind = kinds.find((k) => (x -= k.weight) < 0) ?? kinds[kinds.length - 1];
  // the store endpoint takes one event: the payload of an envelope's event item
  const all = lines(envelope);
  const at = all.findIndex((l, i) => i % 2 === 1 && /"type":"event"/.test(l));
  const store = r.int(5) === 0 && at > 0;
  const input = store ? Buffer.from(all[at + 1]) : envelope;
  const room = Math.floor(limits.httpBytes * 0.95) - 1024;
  const made = kind.make(r, input, room);
  const gzip = r.int(4) === 0;
  let body = made.body;
  let mutation = made.name;
  if (gzip) {
    body = gzipSync(body, { level: 1 });
    if (r.int(8) === 0) {
      body = flipBits(r, body, 1 + r.int(4));
      mutation += ' (gzip stream corrupted)';
    }
  }
  return { signal: 'logs', transport: 'http', encoding: 'json', gzip, family: kind.family, mutation, body, sentry: store ? 'store' : 'envelope' };
}
