/**
 * Scrape targets for bench/prometheus-receiver.ts, in a process of their own so serving them
 * costs the scrapers nothing: N HTTP servers on loopback, each exposing SERIES series in the
 * text format (counters and gauges with three labels, one histogram), values moving each scrape.
 * Writes the ports, one a line, to PORTS_FILE, then prints `listening`.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const [portsFile, targets = '100', series = '1000'] = process.argv.slice(2);
const METRICS = Number(series) / 10;

function body(round: number): string {
  const lines: string[] = [];
  for (let m = 0; m < METRICS - 1; m++) {
    const counter = m % 2 === 0;
    const name = counter ? `app_requests_${m}_total` : `app_queue_depth_${m}`;
    lines.push(`# HELP ${name} Synthetic metric ${m}.`, `# TYPE ${name} ${counter ? 'counter' : 'gauge'}`);
    for (let j = 0; j < 10; j++) lines.push(`${name}{route="/api/v1/items/${j}",method="GET",code="${200 + (j % 5)}"} ${counter ? round * 10 + j : (round + j) * 0.5}`);
  }
  // the last ten series: one histogram of seven buckets plus _sum and _count
  lines.push('# HELP app_latency_seconds Latency.', '# TYPE app_latency_seconds histogram');
  const bounds = ['0.005', '0.01', '0.05', '0.1', '0.5', '1', '+Inf'];
  bounds.forEach((le, i) => lines.push(`app_latency_seconds_bucket{le="${le}"} ${round * (i + 1)}`));
  lines.push(`app_latency_seconds_sum ${round * 0.7}`, `app_latency_seconds_count ${round * 7}`);
  return `${lines.join('\n')}\n`;
}

const ports: number[] = [];
for (let i = 0; i < Number(targets); i++) {
  let round = 0;
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(body(++round));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  ports.push((server.address() as AddressInfo).port);
}
writeFileSync(portsFile, ports.join('\n'));
process.stdout.write('listening\n');
