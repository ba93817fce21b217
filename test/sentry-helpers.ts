/** A sentry receiver on loopback with a recording pipeline behind it, for receivers/sentry's tests. */
import { request } from 'node:http';
import type { ComponentInstance, Consumer, NextConsumers } from '../pipeline/component.js';
import type { ConsumerError } from '../pipeline/errors.js';
import type { Logs, Signal, SignalData } from '../pipeline/model.js';
import type { SelfTelemetry } from '../pipeline/telemetry.js';
import { testContext, testHost } from '../pipeline/testing.js';
import { freePort } from './helpers.js';
import { sentryReceiverFactory, type SentryReceiverConfig } from '../receivers/sentry/index.js';

export const KEY = '0123456789abcdef0123456789abcdef';
export const OTHER_KEY = 'fedcba9876543210fedcba9876543210';
export const PROJECT = '42';

export interface Harness {
  address: string;
  dsn(key?: string, project?: string): string;
  received: { signal: Signal; data: SignalData[Signal] }[];
  logs(): Logs[];
  telemetry: SelfTelemetry;
  /** What the pipeline does with the next batch / whether admission refuses. */
  behaviour: { fail?: Error; refuse?: ConsumerError };
  instance: ComponentInstance;
}

const running: ComponentInstance[] = [];

export async function stopReceivers(): Promise<void> {
  for (const r of running.splice(0)) await r.shutdown?.();
}

export async function startReceiver(config: Partial<SentryReceiverConfig> = {}, signals: Signal[] = ['logs', 'traces', 'metrics']): Promise<Harness> {
  const port = await freePort();
  const received: Harness['received'] = [];
  const behaviour: Harness['behaviour'] = {};
  const next: NextConsumers = {};
  for (const signal of signals) {
    next[signal] = {
      async consume(data: SignalData[Signal]) {
        if (behaviour.fail) throw behaviour.fail;
        received.push({ signal, data });
      },
    } as Consumer as never;
  }
  const ctx = testContext({ id: 'sentry', kind: 'receiver' });
  const full = {
    endpoint: `127.0.0.1:${port}`,
    projects: [
      { id: PROJECT, name: 'checkout', keys: [KEY], rate_limits: [] },
      { id: '7', name: 'billing', keys: [OTHER_KEY], rate_limits: [] },
    ],
    ...config,
  } as SentryReceiverConfig;
  const problems = sentryReceiverFactory.validate!(full);
  if (problems.length) throw new Error(JSON.stringify(problems));
  const instance = await sentryReceiverFactory.create(ctx, full, next);
  const host = testHost();
  host.addAdmissionCheck(() => behaviour.refuse);
  await instance.start!(host);
  running.push(instance);
  const address = `127.0.0.1:${port}`;
  return {
    address,
    dsn: (key = KEY, project = PROJECT) => `http://${key}@${address}/${project}`,
    received,
    logs: () => received.filter((r) => r.signal === 'logs').map((r) => r.data as Logs),
    telemetry: ctx.telemetry,
    behaviour,
    instance,
  };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): any;
}

export function post(address: string, path: string, body: Uint8Array | string, headers: Record<string, string> = {}, method = 'POST'): Promise<Answer> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode!, headers: res.headers, body: text, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** An envelope from its header and items (`length` set unless the item says `length: null`). */
export function envelope(header: object, items: { header?: Record<string, unknown>; type?: string; payload: string | Buffer | object }[] = []): Buffer {
  const parts: Buffer[] = [Buffer.from(JSON.stringify(header))];
  for (const item of items) {
    const payload = Buffer.isBuffer(item.payload) ? item.payload : Buffer.from(typeof item.payload === 'string' ? item.payload : JSON.stringify(item.payload));
    const h: Record<string, unknown> = { type: item.type ?? 'event', length: payload.length, ...item.header };
    if (h.length === null) delete h.length;
    parts.push(Buffer.from(JSON.stringify(h)), payload);
  }
  return Buffer.concat(parts.flatMap((p, i) => (i ? [Buffer.from('\n'), p] : [p])));
}

export const authHeader = (key = KEY) => ({ 'x-sentry-auth': `Sentry sentry_key=${key}, sentry_version=7, sentry_client=test/1.0` });

/** A counter's value from the self-telemetry exposition (0 when absent). */
export async function counterValue(telemetry: SelfTelemetry, name: string, labels: Record<string, string>): Promise<number> {
  const text = await telemetry.exposition();
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && want.every((w) => l.includes(w)));
  return line ? Number(line.split(' ').pop()) : 0;
}
