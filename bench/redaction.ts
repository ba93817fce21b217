/**
 * `node dist/bench/run.js redaction`: what the `redaction` processor costs on a batch of Sentry
 * events (the worst case: deep bodies, every string scanned) and on a plain OTLP span batch,
 * against a naive scrubber applying the same rules by JSON.stringify, regex replace and
 * JSON.parse over the event.
 */
import { newLogRecord, logsOf } from '../pipeline/builders.js';
import { SENTRY_EVENT_NAME } from '../pipeline/exceptions/issues.js';
import type { Logs, Traces } from '../pipeline/model.js';
import { cloneData, toAnyValue } from '../pipeline/model-ops.js';
import { encodeSignal } from '../pipeline/otlpjson/index.js';
import { detectorRules } from '../processors/redaction/config.js';
import { compileDataScrubbing, compileDetectors, scrubText, type TextRule } from '../processors/redaction/detectors.js';
import { newRedactor } from '../processors/redaction/index.js';
import { redactionConfig } from '../processors/redaction/testing.js';
import type { RuleSpec } from '../processors/redaction/rules.js';
import { measure, table } from './harness.js';
import { sentryEvent } from './sentry-events.js';
import { syntheticTraces } from './synthetic.js';

const EVENTS = 256;
const SPANS = 2048;

const CONFIG = {
  allow_all_keys: true,
  detectors: ['@urlauth', '@email', '@creditcard', '@password:filter'],
  data_scrubbing: { scrub_ip_addresses: true },
};

/** A realistic SDK event with the secrets such events carry: a card, a password, a token, emails. */
function eventWithSecrets(i: number): Record<string, unknown> {
  const event = sentryEvent(i % 50, i);
  const request = event.request as Record<string, unknown>;
  request.headers = { ...(request.headers as object), Authorization: `Bearer eyJhbGciOiJIUzI1NiJ9.${i}.sig`, Cookie: `theme=dark; sessionid=s${i}` };
  request.data = { email: `user${i}@example.com`, password: `pw-${i}`, card: '4111 1111 1111 1111' };
  event.extra = { order: 4111111111111112 + i * 10, note: `contact user${i}@example.com` };
  (event.user as Record<string, unknown>).email = `user${i}@example.com`;
  return event;
}

/**
 * The peer: the event through JSON.stringify with a replacer that applies the same rules to
 * every string (the key rule to string values under secret keys), then JSON.parse. A regex over
 * the raw JSON text would be simpler still, but breaks the JSON (a bearer token runs on past
 * its closing quote).
 */
function naiveScrubber(rules: TextRule[], secretKeys: RegExp): (event: object) => unknown {
  return (event) =>
    JSON.parse(
      JSON.stringify(event, (key, value) => {
        if (typeof value !== 'string') return value;
        if (secretKeys.test(key)) return '[Filtered]';
        return scrubText(value, rules) ?? value;
      }),
    );
}

export async function redactionSuite(): Promise<string> {
  const config = redactionConfig(CONFIG);
  const redactor = newRedactor(config);
  const specs = config.detectors.flatMap((d) => detectorRules(d) as RuleSpec[]);
  const explicit = compileDetectors(specs);
  const naive = naiveScrubber([...explicit.text, ...compileDataScrubbing(config.data_scrubbing!).text], explicit.keys[0].keys);

  // A fresh batch for every run (warm-ups included): the same 50 errors keep their frames and
  // source lines, while ids, numbers, emails and tokens differ from run to run as in production.
  const RUNS = 9;
  const eventBatches = Array.from({ length: RUNS }, (_, run) => Array.from({ length: EVENTS }, (_, i) => eventWithSecrets(run * EVENTS + i)));
  const logBatches: Logs[] = eventBatches.map((events) =>
    logsOf(events.map((e, i) => newLogRecord({ eventName: SENTRY_EVENT_NAME, timeUnixNano: BigInt(i), body: toAnyValue(e) }))),
  );
  const spanBatches: Traces[] = Array.from({ length: RUNS }, (_, run) => syntheticTraces(SPANS, 'realistic', run));
  const spanJson = spanBatches.map((t) => encodeSignal('traces', t));
  const runs = new Map<string, number>();
  const next = (name: string) => {
    const n = runs.get(name) ?? 0;
    runs.set(name, n + 1);
    return n % RUNS;
  };

  // Summit scrubs the batch in place, so each run works on a copy; the copy alone is measured too.
  const eventResults = await measure([
    { name: 'JSON round trip, same rules per string (peer)', run: async () => (eventBatches[next('e-peer')].forEach(naive), EVENTS) },
    { name: 'summit: copy the batch + redaction', run: async () => (redactor.logs(cloneData('logs', logBatches[next('e-summit')])), EVENTS) },
    { name: 'copy the batch only', run: async () => (cloneData('logs', logBatches[next('e-copy')]), EVENTS) },
  ]);
  const spanResults = await measure([
    { name: 'JSON round trip, same rules per string (peer)', run: async () => (naive(spanJson[next('s-peer')]), SPANS) },
    { name: 'summit: copy the batch + redaction', run: async () => (redactor.traces(cloneData('traces', spanBatches[next('s-summit')])), SPANS) },
    { name: 'copy the batch only', run: async () => (cloneData('traces', spanBatches[next('s-copy')]), SPANS) },
  ]);
  return [
    table(`redaction: ${EVENTS} Sentry SDK events in sentry.event log bodies`, 'events', eventResults, eventResults[0].name),
    table(`redaction: ${SPANS} realistic OTLP spans`, 'spans', spanResults, spanResults[0].name),
  ].join('\n');
}
