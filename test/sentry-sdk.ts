/**
 * What the real Sentry JavaScript SDK (@sentry/node) sends: envelopes captured by a custom
 * transport, split into items the way the `sentry` receiver sees them. Sentry.init is global to
 * the process, so a test file captures one run at a time.
 */
import * as Sentry from '@sentry/node';
import { expect } from 'vitest';
import { ItemError, type ItemContext, type ItemMapper } from '../receivers/sentry/items/types.js';

export interface SdkItem {
  envelopeHeader: Record<string, unknown>;
  header: Record<string, unknown>;
  /** The payload as JSON text, as the SDK wrote it (numbers keep their digits). */
  text: string;
  payload: unknown;
}

/**
 * An envelope's items. Minimal on purpose: the SDK writes every header and JSON payload on one
 * line, so lines pair up (the receiver's own envelope parser is tested with the receiver).
 */
export function splitEnvelope(body: string): SdkItem[] {
  const lines = body.split('\n');
  const envelopeHeader = JSON.parse(lines[0]) as Record<string, unknown>;
  const items: SdkItem[] = [];
  for (let i = 1; i + 1 < lines.length; i += 2) {
    items.push({ envelopeHeader, header: JSON.parse(lines[i]) as Record<string, unknown>, text: lines[i + 1], payload: JSON.parse(lines[i + 1]) });
  }
  return items;
}

/** Runs `scenario` under a Sentry SDK set up with `options`, and returns every item it sent. */
export async function sdkItems(options: Sentry.NodeOptions, scenario: () => void | Promise<void>): Promise<SdkItem[]> {
  const bodies: string[] = [];
  Sentry.init({
    dsn: 'https://public@sentry.example/42',
    release: 'checkout@2.4.1',
    environment: 'production',
    defaultIntegrations: false,
    ...options,
    transport: (transportOptions) =>
      Sentry.createTransport(transportOptions, async (request) => {
        bodies.push(typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body));
        return { statusCode: 200 };
      }),
  });
  try {
    await scenario();
  } finally {
    await Sentry.close(5000);
  }
  return bodies.flatMap(splitEnvelope);
}

type Envelope = Parameters<ReturnType<typeof Sentry.makeNodeTransport>['send']>[0];

/** The default transport, with what it sent (as the JSON on the wire) and what it was answered. */
export function recordingTransport(log: { items: [string, unknown][]; statusCode?: number }[]) {
  return (options: Parameters<typeof Sentry.makeNodeTransport>[0]) => {
    const inner = Sentry.makeNodeTransport(options);
    return {
      async send(env: Envelope) {
        const r = await inner.send(env);
        // JSON.stringify is how the SDK serialises items (serializeEnvelope): this is the wire JSON
        log.push({ items: env[1].map(([header, payload]) => [String(header.type), JSON.parse(JSON.stringify(payload))]), statusCode: r.statusCode });
        return r;
      },
      flush: (timeout?: number) => inner.flush(timeout),
    };
  };
}

export function itemsOfType(items: SdkItem[], type: string): SdkItem[] {
  return items.filter((i) => i.header.type === type);
}

/** The context the receiver hands a mapper for `item`. */
export function contextFor(item: SdkItem, receivedAtMs = Date.now()): ItemContext {
  return { projectId: '42', projectName: 'checkout', receivedAtMs, envelopeHeader: item.envelopeHeader, itemHeader: item.header };
}

/** A number's exact nanoseconds from its decimal text as the SDK wrote it, e.g. `1796230286.8571873`. */
export function nsFromText(text: string): bigint {
  const [whole, frac = ''] = text.split('.');
  return BigInt(whole) * 1_000_000_000n + BigInt(frac.slice(0, 9).padEnd(9, '0'));
}

/** The text of the `key` number members of a JSON payload, in order: `"timestamp":1796230286.8571873` → that number's text. */
export function numberTexts(json: string, key: string): string[] {
  return [...json.matchAll(new RegExp(`"${key}":(-?[0-9.eE+-]+)`, 'g'))].map((m) => m[1]);
}

export { Sentry };

/** The ItemError a mapper throws for `payload`; fails the test when it throws none or another error. */
export function mapperError(mapper: ItemMapper, payload: unknown, ctx: ItemContext): ItemError {
  try {
    mapper(payload, ctx);
  } catch (e) {
    expect(e).toBeInstanceOf(ItemError);
    return e as ItemError;
  }
  throw new Error('no ItemError');
}
