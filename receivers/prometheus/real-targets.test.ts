/**
 * The `prometheus` receiver scraping real exporters: a Prometheus server's own /metrics and a
 * `prometheus-node-exporter` (Debian packages, started here). A recording proxy in front of
 * each keeps exactly what the target answered to the scrape; that answer, read by an
 * reference reader written apart from the receiver's parser, must equal what the
 * receiver produced — names, types, label sets, values — and the resource must name the job and
 * instance as upstream does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metrics } from '../../pipeline/model.js';
import { freePort, tempDir, writeFile } from '../../test/helpers.js';
import { Prometheus, prometheusBinary } from '../../test/prometheus-server.js';
import { formatOf, parseExposition } from './exposition.js';
import { allMetrics, gaugeValue, recordingProxy, runReceiver, type RunningReceiver } from './testing.js';

const NODE_EXPORTER_MISSING =
  '`prometheus-node-exporter` is not installed: `.ci/run` installs the Debian package prometheus-node-exporter (apt-get install prometheus-node-exporter); install it the same way to run this test';

function nodeExporterBinary(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'prometheus-node-exporter');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  throw new Error(NODE_EXPORTER_MISSING);
}

async function waitListening(port: number, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/metrics`)).ok) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${what} not answering on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const num = (s: string) => (s === '+Inf' ? Infinity : s === '-Inf' ? -Infinity : Number(s));
const attrKey = (labels: Record<string, string> | undefined) =>
  JSON.stringify(
    Object.entries(labels ?? {})
      .filter(([, v]) => v !== '')
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );

/**
 * The reference reading of a text-format answer, written apart from the receiver's parser:
 * a line regex per sample, TYPE lines for the families, and histograms / summaries put
 * together from their series. Yields `name|type|labels` → comparable value.
 */
function expectedFrom(text: string): Map<string, unknown> {
  const types = new Map<string, string>();
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1], type[2]);
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)( -?\d+)?$/.exec(line);
    if (!m) throw new Error(`reference reader: unexpected line ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: m[1], labels, value: num(m[3]) });
  }
  const out = new Map<string, unknown>();
  const complex = new Map<string, { count?: number; sum?: number; points: [number, number][] }>();
  const without = (labels: Record<string, string>, drop: string) => Object.fromEntries(Object.entries(labels).filter(([k]) => k !== drop));
  for (const s of samples) {
    const base = s.name.replace(/_(bucket|sum|count)$/, '');
    const baseType = types.get(base);
    if (baseType === 'histogram' || baseType === 'summary') {
      const boundLabel = baseType === 'histogram' ? 'le' : 'quantile';
      const key = `${base}|${baseType}|${attrKey(without(s.labels, boundLabel))}`;
      const entry = complex.get(key) ?? { points: [] };
      complex.set(key, entry);
      if (s.name === `${base}_sum`) entry.sum = s.value;
      else if (s.name === `${base}_count`) entry.count = s.value;
      else entry.points.push([num(s.labels[boundLabel]), s.value]);
      continue;
    }
    const type = types.get(s.name);
    out.set(`${s.name}|${type === 'counter' ? 'sum' : 'gauge'}|${attrKey(s.labels)}`, s.value);
  }
  for (const [key, e] of complex) {
    e.points.sort((a, b) => a[0] - b[0]);
    out.set(
      key,
      key.includes('|histogram|')
        ? { count: e.count, sum: e.sum, bounds: e.points.slice(0, -1).map(([le]) => le), cumulative: e.points.map(([, c]) => c) }
        : { count: e.count, sum: e.sum, quantiles: e.points },
    );
  }
  return out;
}

const SCRAPE_METRICS = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added']);

/** The same shape from the receiver's output, its own `up` / `scrape_*` left out. */
function actualFrom(metrics: Metrics): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const m of allMetrics(metrics)) {
    if (SCRAPE_METRICS.has(m.name)) continue;
    const d = m.data;
    for (const p of d.dataPoints) {
      const key = `${m.name}|${d.type}|${attrKey(Object.fromEntries([...p.attributes].map(([k, v]) => [k, String(v)])))}`;
      if (d.type === 'histogram') {
        const hp = p as (typeof d.dataPoints)[number];
        let running = 0;
        out.set(key, { count: hp.count, sum: hp.sum, bounds: hp.explicitBounds, cumulative: hp.bucketCounts.map((c) => (running += c)) });
      } else if (d.type === 'summary') {
        const sp = p as (typeof d.dataPoints)[number];
        out.set(key, { count: sp.count, sum: sp.sum, quantiles: sp.quantileValues.map((q) => [q.quantile, q.value]) });
      } else if (d.type === 'sum' || d.type === 'gauge') {
        out.set(key, Number((p as (typeof d.dataPoints)[number]).value));
      }
    }
  }
  return out;
}

let prometheus: Prometheus | undefined;
let nodeExporter: ChildProcess | undefined;
const proxies: Awaited<ReturnType<typeof recordingProxy>>[] = [];
let receiver: RunningReceiver | undefined;
let promProxy: Awaited<ReturnType<typeof recordingProxy>>;
let neProxy: Awaited<ReturnType<typeof recordingProxy>>;

beforeAll(async () => {
  const dir = tempDir('summit-promrecv-');
  const [promPort, nePort] = [await freePort(), await freePort()];
  prometheus = new Prometheus(prometheusBinary(), promPort, writeFile(dir, 'prometheus.yml', 'global:\n  scrape_interval: 1h\nscrape_configs: []\n'), join(dir, 'data'));
  nodeExporter = spawn(nodeExporterBinary(), [`--web.listen-address=127.0.0.1:${nePort}`], { stdio: 'ignore' });
  await prometheus.ready();
  await waitListening(nePort, nodeExporter, 'prometheus-node-exporter');
  promProxy = await recordingProxy(promPort);
  neProxy = await recordingProxy(nePort);
  proxies.push(promProxy, neProxy);
  receiver = await runReceiver({
    config: {
      scrape_configs: [
        // the text format, which the independent parser reads
        { job_name: 'prometheus', scrape_interval: '2s', scrape_protocols: ['PrometheusText0.0.4'], static_configs: [{ targets: [`127.0.0.1:${promProxy.port}`] }] },
        { job_name: 'node', scrape_interval: '4s', scrape_timeout: '4s', static_configs: [{ targets: [`127.0.0.1:${neProxy.port}`] }] },
      ],
    },
  });
}, 40_000);

afterAll(async () => {
  await receiver?.stop();
  for (const p of proxies) await p.close();
  nodeExporter?.kill('SIGTERM');
  await prometheus?.stop();
});

const byJob = (job: string) => (m: Metrics) => m.resourceMetrics.some((rm) => rm.resource.attributes.get('service.name') === job && gaugeValue(m, 'up') === 1);

describe('prometheus receiver on real targets', () => {
  for (const [job, proxy] of [
    ['prometheus', () => promProxy],
    ['node', () => neProxy],
  ] as const) {
    it(`emits exactly what the ${job} target exposed in the scrape`, async () => {
      const batch = await receiver!.waitFor(byJob(job));
      // the first scrape of the target is the first answer the proxy recorded
      const answer = proxy().recorded[0];
      expect(answer.contentType).toMatch(/^text\/plain/);
      const expected = expectedFrom(answer.body);
      const actual = actualFrom(batch);
      expect(expected.size).toBeGreaterThan(20);
      expect([...actual.keys()].filter((k) => !expected.has(k))).toEqual([]);
      expect([...expected.keys()].filter((k) => !actual.has(k))).toEqual([]);
      for (const [key, value] of expected) expect(actual.get(key), key).toEqual(value);

      const rm = batch.resourceMetrics[0];
      const attrs = Object.fromEntries(rm.resource.attributes);
      expect(attrs).toEqual({
        'service.name': job,
        'service.instance.id': `127.0.0.1:${proxy().port}`,
        'server.port': String(proxy().port),
        'url.scheme': 'http',
      });
      expect(rm.scopeMetrics[0].scope.name).toBe('github.com/open-telemetry/opentelemetry-collector-contrib/receiver/prometheusreceiver');
      expect(gaugeValue(batch, 'scrape_samples_scraped')).toBe(parseExposition(answer.body, 'text').samples.length);
    });
  }

  it('asks for OpenMetrics by default, and metric types and descriptions follow the TYPE and HELP lines', async () => {
    const batch = await receiver!.waitFor(byJob('node'));
    expect(neProxy.recorded[0].accept).toMatch(/^application\/openmetrics-text;version=1\.0\.0/);
    const parsed = parseExposition(neProxy.recorded[0].body, formatOf(neProxy.recorded[0].contentType));
    const cpu = allMetrics(batch).find((m) => m.name === 'node_cpu_seconds_total')!;
    expect(cpu.data.type).toBe('sum');
    expect(cpu.description).toBe(parsed.metadata.get('node_cpu_seconds_total')!.help);
    if (cpu.data.type === 'sum') {
      expect(cpu.data.isMonotonic).toBe(true);
      expect(cpu.data.aggregationTemporality).toBe(2);
      for (const p of cpu.data.dataPoints) expect(p.startTimeUnixNano).toBe(p.timeUnixNano); // first point of each series starts at itself
    }
  });

  it('keeps the start time of cumulative series across scrapes', async () => {
    const first = await receiver!.waitFor(byJob('prometheus'));
    const second = await receiver!.waitFor((m) => m !== first && byJob('prometheus')(m), 10_000);
    const counter = (m: Metrics) => allMetrics(m).find((x) => x.name === 'prometheus_http_requests_total');
    const [a, b] = [counter(first)!, counter(second)!];
    if (a.data.type !== 'sum' || b.data.type !== 'sum') throw new Error('expected sums');
    const start = a.data.dataPoints[0].startTimeUnixNano;
    const later = b.data.dataPoints.find((p) => attrKey(Object.fromEntries([...p.attributes].map(([k, v]) => [k, String(v)]))) === attrKey(Object.fromEntries([...a.data.dataPoints[0].attributes].map(([k, v]) => [k, String(v)]))))!;
    expect(later.timeUnixNano).toBeGreaterThan(start);
    expect(later.startTimeUnixNano).toBe(start);
  });
});
