/**
 * The `hostmetrics` receiver on this machine: each value checked against /proc (and statfs)
 * read independently here, before and after the scrape, so a counter must lie between the two
 * readings; plus root_path on a prepared tree and the per-metric switches.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Metric, Metrics, NumberDataPoint } from '../../pipeline/model.js';
import { testContext, testHost } from '../../pipeline/testing.js';
import { tempDir } from '../../test/helpers.js';
import { hostmetricsReceiverFactory, type HostMetricsConfig } from './index.js';

async function scrapeOnce(scrapers: HostMetricsConfig['scrapers'], root_path = '/'): Promise<Metrics> {
  const batches: Metrics[] = [];
  const config: HostMetricsConfig = { collection_interval: '1h', initial_delay: '1ms', root_path, scrapers };
  expect(hostmetricsReceiverFactory.validate!(config)).toEqual([]);
  const r = await hostmetricsReceiverFactory.create(testContext({ id: 'hostmetrics', kind: 'receiver' }), config, { metrics: { consume: async (m) => void batches.push(m) } });
  await r.start!(testHost());
  for (let i = 0; i < 200 && !batches.length; i++) await new Promise((res) => setTimeout(res, 10));
  await r.shutdown!();
  expect(batches.length).toBe(1);
  return batches[0];
}

const metrics = (m: Metrics): Metric[] => m.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((s) => s.metrics));
const points = (m: Metrics, name: string) => {
  const metric = metrics(m).find((x) => x.name === name);
  if (!metric) throw new Error(`no ${name}; have ${metrics(m).map((x) => x.name).join(', ')}`);
  return metric.data.dataPoints as NumberDataPoint[];
};
const point = (m: Metrics, name: string, attrs: Record<string, string> = {}) =>
  points(m, name).find((p) => Object.entries(attrs).every(([k, v]) => p.attributes.get(k) === v))!;
const num = (p: NumberDataPoint) => Number(p.value);

function procStat() {
  const text = readFileSync('/proc/stat', 'utf8');
  const cpu0 = text.split('\n').find((l) => l.startsWith('cpu0 '))!.split(/\s+/).slice(1).map(Number);
  return { user: cpu0[0] / 100, idle: cpu0[3] / 100, processes: Number(/^processes (\d+)/m.exec(text)![1]), btime: Number(/^btime (\d+)/m.exec(text)![1]) };
}
const meminfo = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/meminfo', 'utf8'))![1]) * 1024;
function loNetDev() {
  const line = readFileSync('/proc/net/dev', 'utf8').split('\n').find((l) => l.trim().startsWith('lo:'))!;
  const f = line.split(':')[1].trim().split(/\s+/).map(Number);
  return { rxBytes: f[0], txPackets: f[9] };
}
const vmstat = (field: string) => Number(new RegExp(`^${field} (\\d+)`, 'm').exec(readFileSync('/proc/vmstat', 'utf8'))![1]);
const uptime = () => Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);

describe('hostmetrics receiver', () => {
  it('cpu, memory, network, paging, processes and system values lie between independent /proc readings', async () => {
    const [stat0, net0, faults0, up0] = [procStat(), loNetDev(), vmstat('pgmajfault'), uptime()];
    const m = await scrapeOnce({ cpu: null, memory: null, network: null, paging: null, processes: null, system: null });
    const [stat1, net1, faults1, up1] = [procStat(), loNetDev(), vmstat('pgmajfault'), uptime()];

    const user = point(m, 'system.cpu.time', { cpu: 'cpu0', state: 'user' });
    expect(num(user)).toBeGreaterThanOrEqual(stat0.user);
    expect(num(user)).toBeLessThanOrEqual(stat1.user);
    expect(user.startTimeUnixNano).toBe(BigInt(stat0.btime) * 1_000_000_000n);
    expect(points(m, 'system.cpu.time').map((p) => p.attributes.get('state'))).toEqual(expect.arrayContaining(['user', 'system', 'idle', 'interrupt', 'nice', 'softirq', 'steal', 'wait']));

    expect(points(m, 'system.memory.usage').reduce((s, p) => s + (['used', 'free', 'buffered', 'cached'].includes(String(p.attributes.get('state'))) ? num(p) : 0), 0)).toBe(meminfo('MemTotal'));

    const rx = num(point(m, 'system.network.io', { device: 'lo', direction: 'receive' }));
    expect(rx).toBeGreaterThanOrEqual(net0.rxBytes);
    expect(rx).toBeLessThanOrEqual(net1.rxBytes);
    expect(num(point(m, 'system.network.packets', { device: 'lo', direction: 'transmit' }))).toBeGreaterThanOrEqual(net0.txPackets);
    expect(points(m, 'system.network.connections').length).toBe(11);

    const major = num(point(m, 'system.paging.faults', { type: 'major' }));
    expect(major).toBeGreaterThanOrEqual(faults0);
    expect(major).toBeLessThanOrEqual(faults1);

    const created = num(point(m, 'system.processes.created'));
    expect(created).toBeGreaterThanOrEqual(stat0.processes);
    expect(created).toBeLessThanOrEqual(stat1.processes);
    expect(points(m, 'system.processes.count').reduce((s, p) => s + num(p), 0)).toBeGreaterThan(0);

    const upt = num(point(m, 'system.uptime'));
    expect(upt).toBeGreaterThanOrEqual(up0);
    expect(upt).toBeLessThanOrEqual(up1);

    expect(m.resourceMetrics[0].scopeMetrics.map((s) => s.scope.name)).toContain('github.com/open-telemetry/opentelemetry-collector-contrib/receiver/hostmetricsreceiver/internal/scraper/cpuscraper');
  });

  it('filesystem usage adds up to the size statfs reports; disk counters are read from /proc/diskstats', async () => {
    const m = await scrapeOnce({ filesystem: { include_virtual_filesystems: true, include_mount_points: { mount_points: ['/'], match_type: 'strict' } }, disk: null });
    const [bsize, blocks, , , inodes] = execFileSync('stat', ['-f', '-c', '%S %b %f %a %c %d', '/'], { encoding: 'utf8' }).trim().split(' ').map(Number);
    const usage = points(m, 'system.filesystem.usage');
    expect(new Set(usage.map((p) => p.attributes.get('mountpoint')))).toEqual(new Set(['/']));
    expect(usage.reduce((s, p) => s + num(p), 0)).toBe(bsize * blocks);
    expect(points(m, 'system.filesystem.inodes.usage').reduce((s, p) => s + num(p), 0)).toBe(inodes);
    const devices = readFileSync('/proc/diskstats', 'utf8').trim().split('\n').map((l) => l.trim().split(/\s+/)[2]);
    expect(new Set(points(m, 'system.disk.operations').map((p) => p.attributes.get('device')))).toEqual(new Set(devices));
  });

  it('process: this process with its resource attributes, CPU time and memory from /proc/self', async () => {
    const before = Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[11]) / 100;
    const m = await scrapeOnce({ process: { include: { names: ['node'], match_type: 'strict' }, mute_process_exe_error: true } });
    const after = Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[11]) / 100;
    const mine = m.resourceMetrics.find((rm) => rm.resource.attributes.get('process.pid') === BigInt(process.pid))!;
    expect(Object.fromEntries(mine.resource.attributes)).toMatchObject({
      'process.executable.name': 'node',
      'process.executable.path': process.execPath,
      'process.parent_pid': BigInt(process.ppid),
    });
    expect(m.resourceMetrics.every((rm) => rm.resource.attributes.get('process.executable.name') === 'node')).toBe(true);
    const cpu = mine.scopeMetrics[0].metrics.find((x) => x.name === 'process.cpu.time')!.data.dataPoints as NumberDataPoint[];
    const user = Number(cpu.find((p) => p.attributes.get('state') === 'user')!.value);
    expect(user).toBeGreaterThanOrEqual(before);
    expect(user).toBeLessThanOrEqual(after);
    expect(mine.scopeMetrics[0].metrics.map((x) => x.name).sort()).toEqual(['process.cpu.time', 'process.disk.io', 'process.memory.usage', 'process.memory.virtual']);
  });

  it('reads under root_path, and the per-metric switches turn metrics on and off', async () => {
    const root = tempDir('summit-hostroot-');
    mkdirSync(join(root, 'proc'));
    writeFileSync(join(root, 'proc', 'loadavg'), '1.50 2.50 3.50 1/100 12345\n');
    writeFileSync(join(root, 'proc', 'stat'), 'cpu  1 0 1 1 0 0 0 0 0 0\ncpu0 100 0 50 400 0 0 0 0 0 0\ncpu1 200 0 50 400 0 0 0 0 0 0\nbtime 1700000000\nprocesses 42\n');
    const m = await scrapeOnce({ load: { cpu_average: true }, cpu: { metrics: { 'system.cpu.time': { enabled: false }, 'system.cpu.logical.count': { enabled: true } } } }, root);
    expect(num(point(m, 'system.cpu.load_average.1m'))).toBe(0.75);
    expect(num(point(m, 'system.cpu.load_average.15m'))).toBe(1.75);
    expect(metrics(m).map((x) => x.name).sort()).toEqual(['system.cpu.load_average.15m', 'system.cpu.load_average.1m', 'system.cpu.load_average.5m', 'system.cpu.logical.count']);
    expect(num(point(m, 'system.cpu.logical.count'))).toBe(2);
  });

  it('rejects an unknown scraper and an unknown metric', () => {
    expect(hostmetricsReceiverFactory.validate!({ collection_interval: '1m', initial_delay: '1s', root_path: '/', scrapers: { cpu: { metrics: { 'system.cpu.nope': { enabled: true } } } } })).toEqual([
      { path: 'scrapers.cpu.metrics.system.cpu.nope', message: expect.stringContaining('unknown metric of the cpu scraper') },
    ]);
  });
});
