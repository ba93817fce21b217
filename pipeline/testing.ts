/** Stand-ins for what the service gives a component, for unit tests of one component alone. */
import { pino } from 'pino';
import type { ComponentKind, CreateContext, Host } from './component.js';
import type { ConsumerError } from './errors.js';
import type { Signal } from './model.js';
import { SelfTelemetry } from './telemetry.js';

export function testContext(p: Partial<CreateContext> & { id: string; kind: ComponentKind }): CreateContext {
  return {
    signals: ['traces', 'metrics', 'logs'] as Signal[],
    outputSignals: [],
    logger: pino({ level: 'silent' }),
    telemetry: new SelfTelemetry(),
    configDir: '.',
    ...p,
  };
}

/** A host that is ready and has no extensions; admission checks are kept and consulted. */
export function testHost(extensions: Record<string, unknown> = {}): Host {
  const checks: (() => ConsumerError | undefined)[] = [];
  return {
    getExtension: (id) => extensions[id] as ReturnType<Host['getExtension']>,
    onReadyChange: () => undefined,
    isReady: () => true,
    checkAdmission: () => checks.map((c) => c()).find((e) => e !== undefined),
    addAdmissionCheck: (c) => void checks.push(c),
  };
}

/**
 * Counts event-loop turns (one per check phase) until stopped: what a test records at each
 * call of a consumer, to show that calls came in turns of their own.
 */
export function countTurns(): { now(): number; stop(): void } {
  let turn = 0;
  let ticker = setImmediate(function tick() {
    turn++;
    ticker = setImmediate(tick);
  });
  return { now: () => turn, stop: () => clearImmediate(ticker) };
}

/** Whether each value is greater than the one before it. */
export const strictlyIncreasing = (xs: number[]): boolean => xs.every((x, i) => i === 0 || x > xs[i - 1]);
