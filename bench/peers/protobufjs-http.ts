/**
 * The naive peer: what one writes with node:http and protobufjs — read the body, decode it
 * with protobufjs, convert to plain telemetry objects (hex ids, exact nanoseconds), answer 200.
 */
import { createServer } from 'node:http';
import { MESSAGE, otlpRoot } from '../../pipeline/otlpproto/testing/otlp-descriptor.js';
import { tracesFromProtobufjs } from '../../pipeline/otlpproto/testing/protobufjs-convert.js';

const request = otlpRoot().lookupType(MESSAGE.traces);
let spans = 0;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    try {
      const traces = tracesFromProtobufjs(request.decode(Buffer.concat(chunks)) as never);
      for (const rs of traces.resourceSpans) for (const ss of rs.scopeSpans) spans += ss.spans.length;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    } catch (err) {
      res.writeHead(400).end(String((err as Error).message));
    }
  });
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
});
process.on('SIGTERM', () => {
  process.stdout.write(`decoded ${spans} spans\n`);
  process.exit(0);
});
