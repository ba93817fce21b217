/**
 * The naive webhook peer: what an express-style handler does per delivery — read the body,
 * HMAC-SHA256 it with the secret and compare with X-Hub-Signature-256, JSON.parse it, answer 200.
 * No dedup, no spans, no pipeline.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const secret = process.argv[3] ?? 'secret';
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
    const given = Buffer.from(String(req.headers['x-hub-signature-256'] ?? ''));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return void res.writeHead(401).end();
    const event = JSON.parse(body.toString('utf8')) as { workflow_job?: { id?: number } };
    res.writeHead(event.workflow_job?.id ? 200 : 400).end();
  });
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
});
