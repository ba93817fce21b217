/**
 * The floor under Summit's OTLP/HTTP testbed path (issue 19): plain node:http doing the least
 * the path must do, with Summit's protobuf codec. Without a backend it reads each request,
 * decodes it and answers; with one it also batches (a flush every 200 ms, as Summit's batch
 * processor sends under this load), encodes, gzips and POSTs each batch over a keep-alive
 * agent, and answers each request once its batch is delivered, as Summit does.
 *
 *   node dist/bench/peers/otlp-http-floor.js PORT [BACKEND_BASE_URL]
 */
import { Agent, createServer, request, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { Signal, SignalData } from '../../pipeline/model.js';
import { decodeSignal, encodeExportResponse, encodeSignal } from '../../pipeline/otlpproto/index.js';

const PATHS: Record<string, Signal> = { '/v1/traces': 'traces', '/v1/metrics': 'metrics', '/v1/logs': 'logs' };
/** Each signal's top-level list: a batch concatenates the requests' lists. */
const TOP: Record<Signal, string> = { traces: 'resourceSpans', metrics: 'resourceMetrics', logs: 'resourceLogs' };
const FLUSH_MS = 200;
const backend = process.argv[3];
const agent = new Agent({ keepAlive: true });

interface Pending {
  tops: object[];
  answers: ServerResponse[];
}
const pending = new Map<Signal, Pending>();

function answer(res: ServerResponse, signal: Signal): void {
  res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(encodeExportResponse(signal));
}


function flush(signal: Signal): void {
  const p = pending.get(signal)!;
  pending.delete(signal);
  const body = gzipSync(encodeSignal(signal, { [TOP[signal]]: p.tops } as unknown as SignalData[Signal]));
  const req = request(
    `${backend}/v1/${signal}`,
    { method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip', 'content-length': body.length } },
    (res) => {
      res.resume();
      res.on('end', () => {
        for (const r of p.answers) answer(r, signal);
      });
    },
  );
  req.on('error', () => {
    for (const r of p.answers) r.writeHead(503).end();
  });
  req.end(body);
}

const server = createServer((req, res) => {
  const signal = PATHS[req.url ?? ''];
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (!signal) return void res.writeHead(404).end();
    const data = decodeSignal(signal, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    if (!backend) return answer(res, signal);
    let p = pending.get(signal);
    if (!p) {
      p = { tops: [], answers: [] };
      pending.set(signal, p);
      setTimeout(() => flush(signal), FLUSH_MS);
    }
    p.tops.push(...(data as unknown as Record<string, object[]>)[TOP[signal]]);
    p.answers.push(res);
  });
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
});
