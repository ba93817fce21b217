/**
 * `node dist/bench/run.js transform`: the transform processor with ten statements typical of
 * real configs on 512-span batches, and each statement alone, to give its cost per span.
 * Statements change their input, so every round works on fresh copies of the batch, made
 * before its clock starts. There is no peer: the target is absolute (≥ 300k spans/s).
 */
import { pino } from 'pino';
import type { Traces } from '../pipeline/model.js';
import { cloneData } from '../pipeline/model-ops.js';
import { SelfTelemetry } from '../pipeline/telemetry.js';
import { transformProcessorFactory } from '../processors/transform/index.js';
import { median } from './harness.js';
import { syntheticTraces } from './synthetic.js';

const SPANS = 512;
const BATCHES = 8;
const WARMUPS = 2;
const ROUNDS = 9;

export const TYPICAL_STATEMENTS = [
  'set(span.attributes["deployment.environment"], resource.attributes["deployment.environment.name"])',
  'set(span.status.code, STATUS_CODE_ERROR) where span.attributes["http.response.status_code"] >= 500',
  'replace_pattern(span.name, "/items/[0-9]+", "/items/{id}")',
  'delete_key(span.attributes, "user_agent.original")',
  'truncate_all(span.attributes, 256)',
  'limit(span.attributes, 32, ["http.route"])',
  'keep_keys(resource.attributes, ["service.name", "service.namespace", "service.version", "deployment.environment.name", "host.name"])',
  'set(resource.attributes["k8s.cluster.name"], "prod-eu")',
  'set(span.attributes["peer"], Concat([span.attributes["server.address"], span.attributes["server.port"]], ":")) where span.kind == SPAN_KIND_CLIENT',
  'delete_matching_keys(span.attributes, "^network\\\\.")',
];

function processor(statements: string[]): (t: Traces) => Promise<void> {
  const ctx = {
    id: 'transform',
    kind: 'processor' as const,
    signals: ['traces' as const],
    outputSignals: [],
    logger: pino({ level: 'silent' }),
    telemetry: new SelfTelemetry(),
    configDir: '.',
  };
  const instance = transformProcessorFactory.create(ctx, { error_mode: 'propagate', trace_statements: statements }, { traces: { consume: async () => {} } }) as {
    consumers: { traces: { consume(t: Traces): Promise<void> } };
  };
  return (t) => instance.consumers.traces.consume(t);
}

/**
 * Median spans/s of `run` over fresh copies of the batch. The copies are made before the clock
 * starts (statements change their input, so each round needs its own), which is why this suite
 * times rounds itself rather than through measure(); rounds of all cases interleave as there.
 */
export async function transformSuite(): Promise<string> {
  const template = syntheticTraces(SPANS, 'realistic');
  const cases = [
    { name: '10 statements', run: processor(TYPICAL_STATEMENTS) },
    ...TYPICAL_STATEMENTS.map((s, i) => ({ name: `#${i + 1}`, run: processor([s]) })),
  ];
  const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let round = 0; round < WARMUPS + ROUNDS; round++) {
    for (const c of cases) {
      const batches = Array.from({ length: BATCHES }, () => cloneData('traces', template));
      const start = process.hrtime.bigint();
      for (const b of batches) await c.run(b);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (round >= WARMUPS) samples.get(c.name)!.push((SPANS * BATCHES) / seconds);
    }
  }
  const rate = (name: string) => median(samples.get(name)!);
  const all = rate('10 statements');
  const rows = [
    `| **all 10, in one processor** | **${(all / 1e3).toFixed(0)}k spans/s** | ${(1e9 / all).toFixed(0)} ns/span |`,
    ...TYPICAL_STATEMENTS.map((s, i) => {
      const r = rate(`#${i + 1}`);
      return `| #${i + 1} \`${s.replace(/\|/g, '\\|')}\` alone | ${(r / 1e3).toFixed(0)}k spans/s | ${(1e9 / r).toFixed(0)} ns/span |`;
    }),
  ];
  return ['### transform (512-span batches; target: all 10 ≥ 300k spans/s)', '', '| statements | median | per span |', '|---|---|---|', ...rows, ''].join('\n');
}
