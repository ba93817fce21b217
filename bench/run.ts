/** `npm run bench`: every suite, each printed as a table of medians and ratios to its peer. */
import { decodeSuite } from './decode.js';
import { pipelineOverheadSuite } from './pipeline-overhead.js';
import { e2eSuite } from './e2e.js';
import { parquetSuite } from './parquet.js';
import { spanmetricsSuite } from './spanmetrics.js';
import { prometheusSuite } from './prometheus.js';
import { persistentQueueSuite } from './persistent-queue.js';
import { connectionsSuite } from './connections.js';
import { memoryFloodSuite, overloadDefaultLimiterSuite } from './memory-flood.js';
import { decodeAmplificationSuite } from './decode-amplification.js';
import { fuzzSuite } from './fuzz.js';
import { groupingCorpusSuite } from './grouping-corpus.js';
import { redactionSuite } from './redaction.js';
import { issueStoreSuite } from './issue-store.js';
import { uiSuite } from './ui.js';
import { uiTracesSuite } from './ui-traces.js';
import { sentryIngestSuite } from './sentry-ingest.js';
import { sentryStagesSuite } from './sentry-stages.js';
import { cicdSuite } from './cicd.js';
import { sourcemapsSuite } from './sourcemaps.js';
import { filelogSuite } from './filelog.js';
import { alertingSuite } from './alerting.js';
import { prometheusReceiverSuite } from './prometheus-receiver.js';
import { tailSamplingSuite } from './tail-sampling.js';
import { transformSuite } from './transform.js';
import { testbedSuite } from './testbed.js';

const suites: [string, () => Promise<string>][] = [
  ['pipeline-overhead', pipelineOverheadSuite],
  ['parquet', parquetSuite],
  ['e2e', e2eSuite],
  ['decode', decodeSuite],
  ['persistent-queue', persistentQueueSuite],
  ['prometheus', prometheusSuite],
  ['spanmetrics', spanmetricsSuite],
  ['memory-flood', memoryFloodSuite],
  ['connections', connectionsSuite],
  ['overload-default', overloadDefaultLimiterSuite],
  ['decode-amplification', decodeAmplificationSuite],
  ['grouping-corpus', groupingCorpusSuite],
  ['redaction', redactionSuite],
  ['issue-store', issueStoreSuite],
  ['sentry-ingest', sentryIngestSuite],
  ['sentry-stages', sentryStagesSuite],
  ['cicd', cicdSuite],
  ['sourcemaps', sourcemapsSuite],
  ['filelog', filelogSuite],
  ['alerting', alertingSuite],
  ['prometheus-receiver', prometheusReceiverSuite],
  ['tail-sampling', tailSamplingSuite],
  ['ui', uiSuite],
  ['ui-traces', uiTracesSuite],
  ['transform', transformSuite],
  ['testbed', testbedSuite],
  ['fuzz', fuzzSuite],
];
/** Probes rather than measurements, run only when named: the fuzz takes 10 minutes. */
const onlyWhenNamed = new Set(['fuzz']);

// Batching timers are unref'd (they must not hold a server open); here nothing else would
// keep the process alive while a suite awaits them.
const keepAlive = setInterval(() => {}, 1000);
const only = process.argv.slice(2);
for (const [name, suite] of suites) {
  if (only.length ? !only.includes(name) : onlyWhenNamed.has(name)) continue;
  process.stdout.write(`${await suite()}\n`);
}
clearInterval(keepAlive);
process.stdout.write(`node ${process.version}, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB\n`);
