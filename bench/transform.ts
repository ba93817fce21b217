/**
 * `node dist/bench/run.js transform`: the transform processor with ten statements typical of
 * real configs on 512-span batches, and each statement alone, to give its cost per span.
 * Statements change their input, so every run works on fresh copies of the batch; the copy is
 * measured alone (the peer) and subtracted to give the processor's own throughput.
 */
import { pino } from 'pino';
import type { Traces } from '../pipeline/model.js';
import { cloneData } from '../pipeline/model-ops.js';
import { SelfTelemetry } from '../pipeline/telemetry.js';
import { transformProcessorFactory } from '../processors/transform/index.js';
import { measure, median } from './harness.js';
import { syntheticTraces } from './synthetic.js';

const SPANS = 512;
const BATCHES = 8;

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

export async function transformSuite(): Promise<string> {
  const template = syntheticTraces(SPANS, 'realistic');
  const copyOnly = async (): Promise<number> => {
    for (let i = 0; i < BATCHES; i++) cloneData('traces', template);
    return SPANS * BATCHES;
  };
  const withStatements = (statements: string[]) => {
    const run = processor(statements);
    return async (): Promise<number> => {
      for (let i = 0; i < BATCHES; i++) await run(cloneData('traces', template));
      return SPANS * BATCHES;
    };
  };
  const cases = [
    { name: 'copy only (peer)', run: copyOnly },
    { name: 'copy + 10 statements', run: withStatements(TYPICAL_STATEMENTS) },
    ...TYPICAL_STATEMENTS.map((s, i) => ({ name: `copy + #${i + 1}`, run: withStatements([s]) })),
  ];
  const results = await measure(cases, { repeats: 9 });
  // Seconds per span of each case's median, and the processor's share once the copy is taken out.
  const perSpan = new Map(results.map((r) => [r.name, 1 / r.unitsPerSecond]));
  const copy = perSpan.get('copy only (peer)')!;
  const net = (name: string) => perSpan.get(name)! - copy;
  const all = net('copy + 10 statements');
  const rows = [
    `| copy only (peer) | ${(1 / copy / 1e3).toFixed(0)}k spans/s | — |`,
    `| **10 statements** | **${(1 / all / 1e3).toFixed(0)}k spans/s** | ${(all * 1e9).toFixed(0)} ns/span |`,
    ...TYPICAL_STATEMENTS.map((s, i) => `| #${i + 1} \`${s.replace(/\|/g, '\\|')}\` | ${(1 / Math.max(net(`copy + #${i + 1}`), 1e-12) / 1e3).toFixed(0)}k spans/s | ${(net(`copy + #${i + 1}`) * 1e9).toFixed(0)} ns/span |`),
  ];
  const spread = results.map((r) => `${r.name}: ${(median(r.runs) / 1e3).toFixed(0)}k`).join(', ');
  return ['### transform (512-span batches, the batch copy subtracted)', '', '| statements | throughput | cost |', '|---|---|---|', ...rows, '', `raw medians (spans/s incl. copy): ${spread}`, ''].join('\n');
}
