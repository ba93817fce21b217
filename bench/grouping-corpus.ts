/**
 * `node dist/bench/run.js grouping-corpus`: how Summit's grouping agrees with Sentry's on Sentry's
 * own grouping corpus (see sentry-corpus.ts), and how fast it groups.
 *
 * `node dist/bench/grouping-corpus.js --explain NAME` prints Summit's and Sentry's trees of one
 * input side by side, for finding out why they differ.
 */
import { fileURLToPath } from 'node:url';
import { attrs, logsOf, newLogRecord } from '../pipeline/builders.js';
import type { ComponentInstance } from '../pipeline/component.js';
import { errorEventFromAnyValue } from '../pipeline/exceptions/body.js';
import { EXCEPTION_MESSAGE, EXCEPTION_STACKTRACE, EXCEPTION_TYPE, otelExceptionFromEvent } from '../pipeline/exceptions/otel.js';
import type { Logs } from '../pipeline/model.js';
import { toAnyValue } from '../pipeline/model-ops.js';
import { testContext } from '../pipeline/testing.js';
import { Grouper, type Grouped } from '../processors/grouping/grouper.js';
import { groupingProcessorFactory } from '../processors/grouping/index.js';
import { measure, table } from './harness.js';
import { corpusAvailable, corpusDir, loadClusters, loadFingerprintInputs, loadGroupingInputs, snapshotTree, type GroupingInput } from './sentry-corpus.js';
import { sentryEvent, sentryEventRecords } from './sentry-events.js';

function group(input: { event: Record<string, unknown> }, grouper: Grouper): Grouped {
  return grouper.group(errorEventFromAnyValue(toAnyValue(input.event))!);
}

interface Outcome {
  input: GroupingInput;
  summit: Grouped;
  /** Summit's primary hash is Sentry's primary hash. */
  exact: boolean;
}

function groupCorpus(inputs: GroupingInput[]): Outcome[] {
  const defaults = new Grouper();
  return inputs.map((input) => {
    const grouper = input.stacktraceRules ? new Grouper({ stacktraceRules: input.stacktraceRules }) : defaults;
    const summit = group(input, grouper);
    return { input, summit, exact: summit.hash === input.primaryHash };
  });
}

/** First line where two trees differ, for a one-line reason. */
function firstDifference(summit: string, sentry: string): string {
  const a = summit.split('\n');
  const b = sentry.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `line ${i + 1}: summit \`${(a[i] ?? '').trim()}\` vs sentry \`${(b[i] ?? '').trim()}\``;
  }
  return 'trees equal';
}

function explain(o: Outcome): string {
  const variant = o.input.primaryVariant;
  const mine = o.summit.variants.get(variant)?.component?.describe().trimEnd() ?? `(no ${variant} variant)`;
  const theirs = snapshotTree(o.input.snapshot, variant) ?? `(no ${variant} variant in snapshot)`;
  return firstDifference(mine, theirs);
}

function agreementReport(outcomes: Outcome[]): string {
  const clusters = loadClusters();
  const sentrySame = (a: Outcome, b: Outcome) => clusters.get(a.input.name) === clusters.get(b.input.name);
  const summitSame = (a: Outcome, b: Outcome) => a.summit.hash === b.summit.hash;
  const platforms = [...new Set(outcomes.map((o) => o.input.platform))].sort();
  const rows: string[] = [];
  const disagreements: string[] = [];
  const tally = (filter: (o: Outcome) => boolean, collect: boolean) => {
    const subset = outcomes.filter(filter);
    let pairs = 0;
    let agree = 0;
    let positives = 0;
    let positivesFound = 0;
    for (let i = 0; i < subset.length; i++) {
      for (let j = i + 1; j < subset.length; j++) {
        const [a, b] = [subset[i], subset[j]];
        pairs++;
        const s = sentrySame(a, b);
        const m = summitSame(a, b);
        if (s) positives++;
        if (s && m) positivesFound++;
        if (s === m) agree++;
        else if (collect) disagreements.push(`| ${a.input.name} | ${b.input.name} | ${s ? 'same' : 'different'} | ${m ? 'same' : 'different'} | ${reason(a, b, s)} |`);
      }
    }
    const exact = subset.filter((o) => o.exact).length;
    return { inputs: subset.length, pairs, agree, positives, positivesFound, exact };
  };
  const line = (label: string, t: ReturnType<typeof tally>) =>
    `| ${label} | ${t.inputs} | ${t.exact} | ${t.pairs} | ${t.pairs ? ((100 * t.agree) / t.pairs).toFixed(2) : '–'}% | ${t.positivesFound}/${t.positives} |`;
  for (const p of platforms) rows.push(line(p, tally((o) => o.input.platform === p, false)));
  rows.push(line('**all**', tally(() => true, true)));
  return [
    '| platform | inputs | same primary hash as Sentry | pairs | pair agreement | same-issue pairs found |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    disagreements.length ? `Disagreeing pairs (${disagreements.length}):` : 'No disagreeing pairs.',
    '',
    ...(disagreements.length ? ['| input | input | Sentry | Summit | why |', '|---|---|---|---|---|', ...disagreements] : []),
  ].join('\n');
}

/** A short reason category for a disagreeing pair. */
function reason(a: Outcome, b: Outcome, sentrySame: boolean): string {
  if (sentrySame && a.exact && b.exact) return 'secondary hash: Sentry joins them through a non-primary hash; Summit keys an issue on the primary hash';
  const off = [a, b].filter((o) => !o.exact);
  return off.map((o) => `${o.input.name}: ${whyOff(o)}`).join('; ') || 'both hashes match Sentry';
}

function whyOff(o: Outcome): string {
  const tree = snapshotTree(o.input.snapshot, o.input.primaryVariant) ?? '';
  const strategy = /^ {2}(\S+?)\*/m.exec(tree)?.[1];
  if (o.summit.variant === 'fallback' && strategy) return `no \`${strategy}\` strategy in Summit (nothing else to group on)`;
  if (o.summit.variant !== o.input.primaryVariant && strategy) return `Sentry groups on \`${strategy}\`, Summit on ${o.summit.variant}: ${explain(o)}`;
  return explain(o);
}

function fingerprintReport(): string {
  const rows: string[] = [];
  let agree = 0;
  const inputs = loadFingerprintInputs();
  for (const input of inputs) {
    const summit = group(input, new Grouper({ fingerprintRules: input.rules }));
    const expected = Object.entries(input.variants).find(([, v]) => v.type === 'custom-fingerprint');
    const mine = summit.variants.get('custom-fingerprint');
    const sameFingerprint = expected ? mine?.hash === expected[1].hash : mine === undefined;
    const sameTitle = summit.title === input.title;
    if (sameFingerprint && sameTitle) agree++;
    else rows.push(`| ${input.name} | ${sameFingerprint ? 'ok' : `summit ${JSON.stringify(mine?.values)} vs sentry ${JSON.stringify(expected?.[1].values)}`} | ${sameTitle ? 'ok' : `summit "${summit.title}" vs sentry "${input.title}"`} |`);
  }
  return [`Fingerprint rules: ${agree}/${inputs.length} inputs get Sentry's custom fingerprint hash (or none) and title.`, '', ...(rows.length ? ['| input | fingerprint | title |', '|---|---|---|', ...rows] : [])].join('\n');
}

const BATCH = 512;
const ISSUES = 50;

/** The same errors as OpenTelemetry log records: exception.* attributes with V8 stack text. */
function otelRecords(count: number) {
  return Array.from({ length: count }, (_, i) => {
    const event = errorEventFromAnyValue(toAnyValue(sentryEvent(i % ISSUES, i)))!;
    const ex = otelExceptionFromEvent(event)!;
    return newLogRecord({ severityText: 'ERROR', attributes: attrs({ [EXCEPTION_TYPE]: ex.type, [EXCEPTION_MESSAGE]: ex.message, [EXCEPTION_STACKTRACE]: ex.stacktrace }) });
  });
}

/** Events per second through the processor (no issue store), batches of 512 records, 50 distinct issues. */
async function throughput(): Promise<string> {
  const sdk = logsOf(sentryEventRecords(BATCH, ISSUES), { 'sentry.project.id': '1' });
  const otel = logsOf(otelRecords(BATCH), { 'service.name': 'shop', 'telemetry.sdk.language': 'nodejs' });
  const nop = { consume: async () => {} };
  const instance = groupingProcessorFactory.create(
    testContext({ id: 'grouping', kind: 'processor', signals: ['logs'] }),
    { project_attributes: ['sentry.project.id', 'service.name'], default_project: 'default', fingerprinting_rules: '', stacktrace_rules: '' },
    { logs: nop },
  ) as ComponentInstance;
  const consume = (l: Logs) => instance.consumers!.logs!.consume(l);
  const records = sdk.resourceLogs[0].scopeLogs[0].logRecords;
  const bytes = records.reduce((n, r) => n + JSON.stringify(toPlain(r.body)).length, 0) / records.length;
  const peer = 'read the event from the body only (peer)';
  const results = await measure([
    { name: peer, run: async () => records.reduce((n, r) => n + (errorEventFromAnyValue(r.body) ? 1 : 0), 0) },
    { name: 'grouping: Sentry SDK events in log bodies', run: async () => (await consume(sdk), BATCH) },
    { name: 'grouping: OpenTelemetry exception records (V8 stack text)', run: async () => (await consume(otel), BATCH) },
  ]);
  return [
    table(`grouping throughput (${BATCH}-record batches, ${ISSUES} issues, events of ${(bytes / 1024).toFixed(1)} KiB JSON on average)`, 'events', results, peer),
  ].join('\n');
}

function toPlain(v: unknown): unknown {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, toPlain(x)]));
  if (Array.isArray(v)) return v.map(toPlain);
  return typeof v === 'bigint' ? Number(v) : v;
}

export async function groupingCorpusSuite(): Promise<string> {
  const speed = await throughput();
  if (!corpusAvailable()) return `${speed}\nSentry's grouping corpus not found at ${corpusDir()} (set SENTRY_GROUPING_CORPUS).\n`;
  const outcomes = groupCorpus(loadGroupingInputs());
  return ['### grouping-corpus: agreement with Sentry (newstyle:2023-01-11)', '', agreementReport(outcomes), '', fingerprintReport(), '', speed].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--explain') {
  const outcomes = groupCorpus(loadGroupingInputs().filter((i) => i.name === process.argv[3]));
  for (const o of outcomes) {
    process.stdout.write(`${o.input.name}: summit ${o.summit.variant} ${o.summit.hash} / sentry ${o.input.primaryVariant} ${o.input.primaryHash}\n`);
    for (const [name, v] of o.summit.variants) process.stdout.write(`\n== summit ${name} ${v.hash ?? 'null'}\n${v.component?.describe() ?? JSON.stringify(v.values)}`);
    process.stdout.write(`\n== sentry snapshot\n${o.input.snapshot}\n`);
  }
}
