/** Test support for the CI receivers' tests (not used by production code). */
import { createHmac } from 'node:crypto';
import type { ComponentFactory, ComponentInstance } from '../../pipeline/component.js';
import type { Logs, Span, Traces } from '../../pipeline/model.js';
import { testContext, testHost } from '../../pipeline/testing.js';

export interface RunningReceiver {
  url: string;
  traces: Traces[];
  logs: Logs[];
  instance: ComponentInstance;
  telemetryText(): Promise<string>;
  stop(): Promise<void>;
}

/** Starts a receiver (its config names a loopback endpoint, port 0) with recording consumers; the config must validate. */
export async function startReceiver<C>(factory: ComponentFactory<C>, config: C, id = factory.type): Promise<RunningReceiver> {
  const traces: Traces[] = [];
  const logs: Logs[] = [];
  const ctx = testContext({ id, kind: 'receiver' });
  const problems = factory.validate?.(config) ?? [];
  if (problems.length) throw new Error(problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  const instance = await factory.create(ctx, config, {
    traces: { consume: async (t) => void traces.push(t) },
    logs: { consume: async (l) => void logs.push(l) },
  });
  await instance.start?.(testHost());
  const address = (instance as unknown as { address?: () => string }).address?.() ?? '';
  return {
    url: `http://${address}`,
    traces,
    logs,
    instance,
    telemetryText: () => ctx.telemetry.exposition(),
    stop: async () => void (await instance.shutdown?.()),
  };
}

export function allSpans(batches: Traces[]): Span[] {
  return batches.flatMap((t) => t.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
}

/** `sha256=<hex>` as GitHub signs a delivery. */
export function githubSignature(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
