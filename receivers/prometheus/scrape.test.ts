/**
 * The `prometheus` receiver against loopback targets serving chosen answers: conversion details
 * (OpenMetrics `_created`, exemplars, target_info, staleness), label handling (honor_labels,
 * relabel_configs, metric_relabel_configs), authorization, and the bounds on a target that
 * answers garbage, too much, too slowly, or too many samples.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { Metrics } from '../../pipeline/model.js';
import { tempDir } from '../../test/helpers.js';
import type { ScrapeConfig } from './config.js';
import { allMetrics, fakeTarget, gaugeValue, metricNamed, runReceiver, type RunningReceiver } from './testing.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function serve(body: string | (() => string), contentType = 'text/plain; version=0.0.4') {
  const target = await fakeTarget((_req, res) => {
    res.writeHead(200, { 'content-type': contentType });
    res.end(typeof body === 'string' ? body : body());
  });
  cleanups.push(target.close);
  return target;
}

async function scrape(job: Partial<ScrapeConfig> & { targets: string[] }, extra: { global?: Record<string, unknown>; configDir?: string } = {}): Promise<RunningReceiver> {
  const { targets, ...rest } = job;
  const receiver = await runReceiver(
    { config: { global: extra.global, scrape_configs: [{ job_name: 'test', scrape_interval: '1s', static_configs: [{ targets }], ...rest }] } },
    extra.configDir,
  );
  cleanups.unshift(receiver.stop);
  return receiver;
}

const up = (value: number) => (m: Metrics) => gaugeValue(m, 'up') === value;
const attrs = (p: { attributes: Map<string, unknown> }) => Object.fromEntries(p.attributes);

describe('prometheus receiver conversion', () => {
  it('OpenMetrics: _created is the start time, exemplars carry trace and span ids, target_info becomes resource attributes', async () => {
    const t = await serve(
      [
        '# TYPE requests counter',
        '# HELP requests Requests.',
        'requests_total{path="/a"} 5 # {trace_id="4bf92f3577b34da6a3ce929d0e0e4736",span_id="00f067aa0ba902b7",user="u1"} 1 1700000000.5',
        'requests_created{path="/a"} 1600000000.25',
        '# TYPE latency histogram',
        'latency_bucket{le="0.1"} 2',
        'latency_bucket{le="1"} 5',
        'latency_bucket{le="+Inf"} 6',
        'latency_sum 3.5',
        'latency_count 6',
        'latency_created 1600000001',
        '# TYPE rpc summary',
        'rpc{quantile="0.5"} 0.2',
        'rpc{quantile="0.9"} 0.7',
        'rpc_sum 12',
        'rpc_count 40',
        '# TYPE target info',
        'target_info{env="prod",region="eu"} 1',
        '# TYPE temperature gauge',
        '# UNIT temperature celsius',
        'temperature{otel_scope_name="sensors",otel_scope_version="1.2"} 21.5',
        '# EOF',
        '',
      ].join('\n'),
      'application/openmetrics-text; version=1.0.0; charset=utf-8',
    );
    const r = await scrape({ targets: [`localhost:${t.port}`] });
    const batch = await r.waitFor(up(1));
    const rm = batch.resourceMetrics[0];
    expect(Object.fromEntries(rm.resource.attributes)).toEqual({
      'service.name': 'test',
      'service.instance.id': `localhost:${t.port}`,
      'server.port': String(t.port),
      'url.scheme': 'http',
      env: 'prod',
      region: 'eu',
    });
    const requests = metricNamed(batch, 'requests_total')!;
    if (requests.data.type !== 'sum') throw new Error('requests_total is not a sum');
    const point = requests.data.dataPoints[0];
    expect(point.startTimeUnixNano).toBe(1_600_000_000_250_000_000n);
    expect(attrs(point)).toEqual({ path: '/a' });
    expect(point.exemplars).toEqual([
      { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', value: 1, timeUnixNano: 1_700_000_000_500_000_000n, filteredAttributes: new Map([['user', 'u1']]) },
    ]);
    expect(metricNamed(batch, 'requests_created')).toBeUndefined();
    const latency = metricNamed(batch, 'latency')!;
    if (latency.data.type !== 'histogram') throw new Error('latency is not a histogram');
    expect(latency.data.dataPoints[0]).toMatchObject({ count: 6, sum: 3.5, bucketCounts: [2, 3, 1], explicitBounds: [0.1, 1], startTimeUnixNano: 1_600_000_001_000_000_000n });
    const rpc = metricNamed(batch, 'rpc')!;
    if (rpc.data.type !== 'summary') throw new Error('rpc is not a summary');
    expect(rpc.data.dataPoints[0]).toMatchObject({ count: 40, sum: 12, quantileValues: [{ quantile: 0.5, value: 0.2 }, { quantile: 0.9, value: 0.7 }] });
    const sensors = rm.scopeMetrics.find((s) => s.scope.name === 'sensors')!;
    expect(sensors.scope.version).toBe('1.2');
    expect(sensors.metrics[0]).toMatchObject({ name: 'temperature', unit: 'celsius', data: { type: 'gauge' } });
    expect(attrs((sensors.metrics[0].data as { dataPoints: { attributes: Map<string, unknown> }[] }).dataPoints[0])).toEqual({});
  });

  it('a series that disappears gets a stale point (no recorded value); a failed scrape makes all stale', async () => {
    let round = 0;
    const t = await fakeTarget((_req, res) => {
      round++;
      if (round >= 3) return void res.writeHead(500).end();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(round === 1 ? '# TYPE a gauge\na{k="1"} 1\na{k="2"} 2\n' : '# TYPE a gauge\na{k="1"} 1\n');
    });
    cleanups.push(t.close);
    const r = await scrape({ targets: [`127.0.0.1:${t.port}`] });
    const second = await r.waitFor((m) => (metricNamed(m, 'a')?.data.dataPoints.length ?? 0) === 2 && r.batches.indexOf(m) === 1);
    const points = metricNamed(second, 'a')!.data.dataPoints;
    expect(points.map((p) => [attrs(p).k, p.flags])).toEqual([
      ['1', 0],
      ['2', 1],
    ]);
    const failed = await r.waitFor(up(0));
    expect(metricNamed(failed, 'a')!.data.dataPoints.map((p) => [attrs(p).k, p.flags])).toEqual([['1', 1]]);
  });

  it('cumulative start times: kept across scrapes, reset when the counter drops', async () => {
    const values = [10, 20, 5];
    let i = 0;
    const t = await serve(() => `# TYPE c counter\nc_total ${values[Math.min(i++, 2)]}\n`);
    const r = await scrape({ targets: [`127.0.0.1:${t.port}`] });
    await r.waitFor(() => r.batches.length >= 3, 10_000);
    const points = r.batches.slice(0, 3).map((b) => (metricNamed(b, 'c_total')!.data as { dataPoints: { startTimeUnixNano: bigint; timeUnixNano: bigint }[] }).dataPoints[0]);
    expect(points[0].startTimeUnixNano).toBe(points[0].timeUnixNano);
    expect(points[1].startTimeUnixNano).toBe(points[0].timeUnixNano);
    expect(points[2].startTimeUnixNano).toBe(points[2].timeUnixNano);
  });
});

describe('prometheus receiver labels', () => {
  const body = '# TYPE m gauge\nm{job="app",instance="pod-1",keep="yes"} 1\nm{job="app",instance="pod-2",keep="no"} 2\n';

  it('without honor_labels, clashing labels become exported_*; target labels and external_labels are added', async () => {
    const t = await serve(body);
    const r = await runReceiver({
      config: {
        global: { external_labels: { cluster: 'c1' } },
        scrape_configs: [{ job_name: 'test', scrape_interval: '1s', static_configs: [{ targets: [`127.0.0.1:${t.port}`], labels: { team: 'infra' } }] }],
      },
    });
    cleanups.unshift(r.stop);
    const batch = await r.waitFor(up(1));
    expect(batch.resourceMetrics[0].resource.attributes.get('service.name')).toBe('test');
    expect(metricNamed(batch, 'm')!.data.dataPoints.map(attrs)).toEqual([
      { exported_job: 'app', exported_instance: 'pod-1', keep: 'yes', team: 'infra', cluster: 'c1' },
      { exported_job: 'app', exported_instance: 'pod-2', keep: 'no', team: 'infra', cluster: 'c1' },
    ]);
    expect(attrs(metricNamed(batch, 'up')!.data.dataPoints[0])).toEqual({ team: 'infra' });
  });

  it('with honor_labels, the exposed job and instance win and make their own resources', async () => {
    const t = await serve(body);
    const r = await scrape({ targets: [`127.0.0.1:${t.port}`], honor_labels: true });
    const batch = await r.waitFor((m) => metricNamed(m, 'm') !== undefined);
    const byInstance = Object.fromEntries(batch.resourceMetrics.map((rm) => [String(rm.resource.attributes.get('service.instance.id')), String(rm.resource.attributes.get('service.name'))]));
    expect(byInstance).toEqual({ 'pod-1': 'app', 'pod-2': 'app', [`127.0.0.1:${t.port}`]: 'test' });
  });

  it('metric_relabel_configs drop series and rewrite labels; scrape_samples_* count before and after', async () => {
    const t = await serve(body);
    const r = await scrape({
      targets: [`127.0.0.1:${t.port}`],
      honor_labels: true,
      metric_relabel_configs: [
        { source_labels: ['keep'], regex: 'no', action: 'drop' },
        { source_labels: ['__name__'], regex: 'm', target_label: '__name__', replacement: 'renamed' },
        { action: 'labeldrop', regex: 'keep' },
      ],
    });
    const batch = await r.waitFor(up(1));
    expect(allMetrics(batch).map((m) => m.name)).toContain('renamed');
    const renamed = allMetrics(r.batches.find((b) => metricNamed(b, 'renamed'))!).find((m) => m.name === 'renamed')!;
    expect(renamed.data.dataPoints.map(attrs)).toEqual([{}]);
    expect(gaugeValue(batch, 'scrape_samples_scraped')).toBe(2);
    expect(gaugeValue(batch, 'scrape_samples_post_metric_relabeling')).toBe(1);
  });

  it('relabel_configs choose targets, rewrite the address and set URL parameters', async () => {
    const t = await serve('x 1\n');
    const r = await scrape({
      targets: [`127.0.0.1:${t.port}`, 'dropped.invalid:1'],
      params: { module: ['http_2xx'] },
      relabel_configs: [
        { source_labels: ['__address__'], regex: 'dropped.*', action: 'drop' },
        { source_labels: ['__address__'], target_label: '__param_target' },
        { target_label: 'instance', replacement: 'renamed-instance' },
        { source_labels: ['__param_module'], target_label: 'module' },
      ],
    });
    const batch = await r.waitFor(up(1));
    expect(new URL(t.requests[0].url!, 'http://h').searchParams.getAll('module')).toEqual(['http_2xx']);
    expect(new URL(t.requests[0].url!, 'http://h').searchParams.get('target')).toBe(`127.0.0.1:${t.port}`);
    expect(batch.resourceMetrics[0].resource.attributes.get('service.instance.id')).toBe('renamed-instance');
    expect(attrs(metricNamed(batch, 'x')!.data.dataPoints[0])).toEqual({ module: 'http_2xx' });
    expect(r.batches.every((b) => b.resourceMetrics.length === 1)).toBe(true);
  });

  it('file_sd_configs: targets and labels from a file', async () => {
    const t = await serve('y 2\n');
    const dir = tempDir('summit-filesd-');
    writeFileSync(join(dir, 'targets.json'), JSON.stringify([{ targets: [`127.0.0.1:${t.port}`], labels: { env: 'staging' } }]));
    const r = await scrape({ targets: [], file_sd_configs: [{ files: ['*.json'] }] }, { configDir: dir });
    const batch = await r.waitFor(up(1));
    expect(attrs(metricNamed(batch, 'y')!.data.dataPoints[0])).toEqual({ env: 'staging' });
  });

  it('a target that leaves file_sd is stopped and its series are marked stale', async () => {
    const t = await serve('# TYPE g gauge\ng 7\n');
    const dir = tempDir('summit-filesd-gone-');
    const file = join(dir, 'targets.yaml');
    writeFileSync(file, `- targets: ["127.0.0.1:${t.port}"]\n`);
    const r = await scrape({ targets: [], file_sd_configs: [{ files: ['targets.yaml'], refresh_interval: '1s' }] }, { configDir: dir });
    await r.waitFor(up(1));
    writeFileSync(file, '[]\n');
    const stale = await r.waitFor((m) => metricNamed(m, 'g')?.data.dataPoints[0]?.flags === 1, 10_000);
    expect(metricNamed(stale, 'up')!.data.dataPoints[0].flags).toBe(1);
    const requests = t.requests.length;
    await new Promise((res) => setTimeout(res, 1500));
    expect(t.requests.length).toBe(requests);
  });
});

describe('prometheus receiver requests and bounds', () => {
  it('sends basic auth and bearer credentials, the scrape timeout header and an OpenMetrics Accept', async () => {
    const t = await serve('z 1\n');
    const dir = tempDir('summit-auth-');
    writeFileSync(join(dir, 'token'), 'secret-token\n');
    const r1 = await scrape({ targets: [`127.0.0.1:${t.port}`], basic_auth: { username: 'u', password: 'p' }, scrape_timeout: '800ms' });
    await r1.waitFor(up(1));
    await r1.stop();
    const r2 = await scrape({ targets: [`127.0.0.1:${t.port}`], authorization: { credentials_file: 'token' } }, { configDir: dir });
    await r2.waitFor(up(1));
    expect(t.requests[0].headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(t.requests[0].headers['x-prometheus-scrape-timeout-seconds']).toBe('0.8');
    expect(t.requests[0].headers.accept).toMatch(/^application\/openmetrics-text;version=1\.0\.0;q=0\.5,/);
    expect(t.requests.at(-1)!.headers.authorization).toBe('Bearer secret-token');
  });

  it('a target answering garbage fails its scrape (up 0) with the line in the log', async () => {
    const t = await serve('<html>\n<body>not metrics</body>\n</html>\n');
    const r = await scrape({ targets: [`127.0.0.1:${t.port}`] });
    const batch = await r.waitFor(up(0));
    expect(allMetrics(batch).map((m) => m.name).sort()).toEqual(['scrape_duration_seconds', 'scrape_samples_post_metric_relabeling', 'scrape_samples_scraped', 'scrape_series_added', 'up']);
    expect(r.logs.join('')).toContain('line 1: expected a metric name, found \\"<html>\\"');
  });

  it('a target answering without end is cut at body_size_limit', async () => {
    const chunk = Buffer.alloc(1 << 20, 'a 1\n');
    let sent = 0;
    const endless = await fakeTarget((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const write = () => {
        // stops after 1 GB, far beyond any limit, unless the receiver hangs up first
        while (sent < 1 << 30 && res.write(chunk)) sent += chunk.length;
        if (sent < 1 << 30 && !res.destroyed) res.once('drain', write);
        else res.end();
      };
      res.on('close', () => undefined);
      write();
    });
    cleanups.push(endless.close);
    const r = await scrape({ targets: [`127.0.0.1:${endless.port}`], body_size_limit: '4MB' });
    await r.waitFor(up(0), 15_000);
    expect(r.logs.join('')).toContain('exceeds body_size_limit');
    expect(sent).toBeLessThan(256 << 20);
  });

  it('a small gzip answer that inflates beyond body_size_limit is cut too', async () => {
    const bomb = gzipSync(Buffer.alloc(64 << 20, 'b 1\n'));
    const t = await fakeTarget((_req, res) => res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' }).end(bomb));
    cleanups.push(t.close);
    const r = await scrape({ targets: [`127.0.0.1:${t.port}`], body_size_limit: '4MiB' });
    await r.waitFor(up(0));
    expect(bomb.length).toBeLessThan(1 << 20);
    expect(r.logs.join('')).toContain('exceeds body_size_limit');
  });

  it('a slow target times out at scrape_timeout', async () => {
    const slow = await fakeTarget(() => undefined); // never answers
    cleanups.push(slow.close);
    const r = await scrape({ targets: [`127.0.0.1:${slow.port}`], scrape_timeout: '300ms' });
    const batch = await r.waitFor(up(0));
    expect(gaugeValue(batch, 'scrape_duration_seconds')).toBeLessThan(1);
    expect(r.logs.join('')).toContain('timed out after 300 ms');
  });

  it('sample_limit fails a scrape with too many samples', async () => {
    const t = await serve(Array.from({ length: 50 }, (_, i) => `s{i="${i}"} ${i}`).join('\n') + '\n');
    const r = await scrape({ targets: [`127.0.0.1:${t.port}`], sample_limit: 10 });
    await r.waitFor(up(0));
    expect(r.logs.join('')).toContain('sample_limit exceeded');
  });

  it('targets of a job are spread over the interval', async () => {
    const hits: number[] = [];
    const targets = [];
    for (let i = 0; i < 8; i++) {
      const t = await fakeTarget((_req, res) => {
        hits.push(Date.now() % 4000);
        res.writeHead(200).end('a 1\n');
      });
      cleanups.push(t.close);
      targets.push(`127.0.0.1:${t.port}`);
    }
    const r = await runReceiver({ config: { scrape_configs: [{ job_name: 'spread', scrape_interval: '4s', static_configs: [{ targets }] }] } });
    cleanups.unshift(r.stop);
    await r.waitFor(() => hits.length >= 8, 10_000);
    // eight targets at one instant would land in one 500 ms slot; spread, they cannot all
    const slots = new Set(hits.slice(0, 8).map((h) => Math.floor(h / 500)));
    expect(slots.size).toBeGreaterThan(1);
  });
});
