/**
 * `node dist/bench/run.js cicd` (~40 s): the CI/CD intake paths against naive peers, each in the
 * same run.
 *
 * - webhook: GitHub `workflow_job` deliveries (the completed example from
 *   @octokit/webhooks-examples, ≈10 KB, ids varied) POSTed signed by keep-alive senders to a Summit
 *   process running github → cicd + nop, and to a peer in a process of its own doing what an
 *   express-style handler does (HMAC check, JSON.parse, 200). Target ≥ 5,000 deliveries/s.
 * - junit: a 10,000-test-case Surefire-style report parsed into spans and failure records by the
 *   junit receiver's code, against a DOM parse (@xmldom/xmldom) that only walks the test cases.
 *   Target ≤ 1 s per report.
 */
import { createHmac } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DOMParser } from '@xmldom/xmldom';
import { parseJunit } from '../receivers/junit/parse.js';
import { uploadTelemetry } from '../receivers/junit/telemetry.js';
import { measure, table, type BenchCase } from './harness.js';
import { generateLoad } from './loadgen.js';
import { cpuSeconds, freePort, startProcess, stopProcess } from './processes.js';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..');
const SECRET = 'bench webhook secret';
const SENDERS = 8;
const SECONDS_PER_ROUND = 3;
const TEST_CASES = 10_000;

/** Distinct completed workflow_job deliveries (job and run ids differ), from GitHub's example. */
function workflowJobBodies(n: number): Buffer[] {
  const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as { name: string; examples: Record<string, any>[] }[];
  const template = examples.find((e) => e.name === 'workflow_job')!.examples.find((e) => e.workflow_job.conclusion === 'failure')!;
  return Array.from({ length: n }, (_, i) => {
    const e = structuredClone(template);
    e.workflow_job.id = 9_000_000_000 + i;
    e.workflow_job.run_id = 8_000_000_000 + Math.floor(i / 4);
    return Buffer.from(JSON.stringify(e));
  });
}

/**
 * Each request's body and headers: the next delivery, its signature (computed once per body, so
 * the senders, which share the machine, spend their CPU on sending), a delivery id never sent
 * before. The loadgen asks for a request's headers right after its body.
 */
function deliveries(bodies: Buffer[]): { body: () => Buffer; headers: () => Record<string, string> } {
  const signatures = bodies.map((b) => `sha256=${createHmac('sha256', SECRET).update(b).digest('hex')}`);
  const run = Date.now().toString(16);
  let n = 0;
  let current = 0;
  return {
    body: () => bodies[(current = n++ % bodies.length)],
    headers: () => ({ 'x-github-event': 'workflow_job', 'x-github-delivery': `${run}-${n}`, 'x-hub-signature-256': signatures[current] }),
  };
}

async function startSummit(dir: string, port: number): Promise<ChildProcess> {
  const config = join(dir, 'summit.yaml');
  writeFileSync(
    config,
    `receivers:
  github:
    webhook:
      endpoint: 127.0.0.1:${port}
      secret: ${SECRET}
connectors:
  cicd:
    storage_path: ${join(dir, 'cicd.sqlite')}
exporters:
  nop:
service:
  pipelines:
    traces:
      receivers: [github]
      exporters: [cicd, nop]
    metrics:
      receivers: [cicd]
      exporters: [nop]
  telemetry:
    metrics: { level: none }
`,
  );
  return startProcess([join(DIST, 'bin', 'summit.js'), '--config', config], /Everything is ready/);
}

interface Server {
  name: string;
  child: ChildProcess;
  port: number;
  delivered: number;
  cpuSeconds: number;
}

function webhookCase(server: Server, bodies: Buffer[]): BenchCase {
  const next = deliveries(bodies);
  const { name } = server;
  return {
    name,
    async run() {
      const cpuBefore = cpuSeconds(server.child.pid!);
      const r = await generateLoad({
        endpoint: `http://127.0.0.1:${server.port}`,
        protocol: 'http',
        path: '/events',
        contentType: 'application/json',
        durationMs: SECONDS_PER_ROUND * 1000,
        rate: 0,
        concurrency: SENDERS,
        body: next.body,
        headers: next.headers,
        spansPerRequest: 1,
      });
      server.cpuSeconds += cpuSeconds(server.child.pid!) - cpuBefore;
      server.delivered += r.acceptedSpans;
      if (r.failedRequests || r.refusedRequests) throw new Error(`${name}: answers ${JSON.stringify(r.statuses)}`);
      return r.acceptedSpans;
    },
  };
}

async function webhookSuite(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'summit-bench-cicd-'));
  const bodies = workflowJobBodies(1000);
  const children: ChildProcess[] = [];
  try {
    const summitPort = await freePort();
    const summit: Server = { name: 'summit: github (HMAC, dedup, 16 spans) → cicd + nop', child: await startSummit(dir, summitPort), port: summitPort, delivered: 0, cpuSeconds: 0 };
    children.push(summit.child);
    const peerPort = await freePort();
    const peerChild = await startProcess([join(DIST, 'bench', 'peers', 'naive-webhook-http.js'), String(peerPort), SECRET], /listening/);
    children.push(peerChild);
    const peer: Server = { name: 'node:http + HMAC + JSON.parse per delivery (peer)', child: peerChild, port: peerPort, delivered: 0, cpuSeconds: 0 };
    const results = await measure([webhookCase(summit, bodies), webhookCase(peer, bodies)], { warmups: 1, repeats: 3 });
    const rate = results[0].unitsPerSecond;
    const cpu = (s: Server) => (s.cpuSeconds / s.delivered) * 1e6;
    return [
      table(`cicd webhook (signed workflow_job deliveries over loopback, ${SENDERS} keep-alive senders, ${SECONDS_PER_ROUND}s rounds)`, 'deliveries', results, peer.name),
      `deliveries: ${Math.min(...bodies.map((b) => b.length))}–${Math.max(...bodies.map((b) => b.length))} bytes; every delivery id unique; the senders run in this process`,
      `summit ${rate.toFixed(0)} deliveries/s (target ≥ 5,000: ${rate >= 5000 ? 'met' : 'NOT MET'}); CPU per delivery (whole server process): summit ${cpu(summit).toFixed(0)} µs, peer ${cpu(peer).toFixed(0)} µs; one core would take summit to ${(1e6 / cpu(summit)).toFixed(0)}/s`,
      '',
    ].join('\n');
  } finally {
    for (const c of children) await stopProcess(c);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A Surefire-style report: 100 suites of 100 cases, 3 % failing with a stack, 2 % skipped, 1 % flaky. */
function junitReport(cases: number): string {
  const suites: string[] = [];
  const perSuite = 100;
  for (let s = 0; s < cases / perSuite; s++) {
    const lines = [`<testsuite name="com.example.module${s}.ServiceTest" time="12.5" tests="${perSuite}" timestamp="2024-03-01T12:00:00">`];
    for (let c = 0; c < perSuite; c++) {
      const n = s * perSuite + c;
      const head = `<testcase name="handlesCase${c}" classname="com.example.module${s}.ServiceTest" time="0.0${c % 10}">`;
      if (n % 100 < 3) {
        lines.push(
          `${head}<failure message="expected: &lt;${n}&gt; but was: &lt;${n + 1}&gt;" type="org.opentest4j.AssertionFailedError">org.opentest4j.AssertionFailedError: expected: &lt;${n}&gt; but was: &lt;${n + 1}&gt;
\tat org.junit.jupiter.api.AssertionUtils.fail(AssertionUtils.java:55)
\tat com.example.module${s}.ServiceTest.handlesCase${c}(ServiceTest.java:${40 + c})
</failure></testcase>`,
        );
      } else if (n % 100 < 5) lines.push(`${head}<skipped message="disabled"/></testcase>`);
      else if (n % 100 < 6) lines.push(`${head}<flakyFailure message="timeout" type="java.util.concurrent.TimeoutException"><stackTrace>java.util.concurrent.TimeoutException: timeout</stackTrace></flakyFailure></testcase>`);
      else lines.push(`${head}<system-out><![CDATA[log line ${n}]]></system-out></testcase>`);
    }
    lines.push('</testsuite>');
    suites.push(lines.join('\n'));
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n${suites.join('\n')}\n</testsuites>\n`;
}

async function junitSuite(): Promise<string> {
  const xml = junitReport(TEST_CASES);
  const run = { provider: 'github' as const, repository: 'octo-org/shop', commit: 'abc', branch: 'main', runId: '1', runAttempt: '1', jobId: '2', jobStartedAt: '', service: '' };
  let spans = 0;
  const summit: BenchCase = {
    name: 'summit: saxes → suites → spans + failure records',
    async run() {
      const suites = parseJunit(xml, { maxDepth: 32, maxTestCases: 100_000 });
      const t = uploadTelemetry(suites, run, { traceId: 'a'.repeat(32), parentSpanId: 'b'.repeat(16) }, 'bench', 0n);
      spans = t.traces.resourceSpans[0].scopeSpans[0].spans.length;
      return t.tests;
    },
  };
  const peer = 'DOM parse (@xmldom/xmldom) + walk the test cases (peer)';
  const dom: BenchCase = {
    name: peer,
    async run() {
      const doc = new DOMParser().parseFromString(xml, 'text/xml');
      const cases = doc.getElementsByTagName('testcase');
      let n = 0;
      for (let i = 0; i < cases.length; i++) {
        const c = cases[i];
        const failure = c.getElementsByTagName('failure')[0];
        if (`${c.getAttribute('classname')}.${c.getAttribute('name')}` && (failure ? failure.textContent : '') !== undefined) n++;
      }
      return n;
    },
  };
  const results = await measure([summit, dom], { warmups: 2, repeats: 7 });
  const perReport = TEST_CASES / results[0].unitsPerSecond;
  return [
    table(`cicd junit (a ${(xml.length / 1e6).toFixed(1)} MB report of ${TEST_CASES} test cases)`, 'test cases', results, peer),
    `summit ${(perReport * 1000).toFixed(0)} ms per report, ${spans} spans (target ≤ 1 s: ${perReport <= 1 ? 'met' : 'NOT MET'})`,
    '',
  ].join('\n');
}

export async function cicdSuite(): Promise<string> {
  return `${await webhookSuite()}\n${await junitSuite()}`;
}
