/**
 * What a small Sentry clone does with an envelope: node:http reads it, the event item is
 * JSON.parsed, and one SQLite row is inserted per event (better-sqlite3, WAL, each insert its
 * own transaction). `node sqlite-sentry-http.js PORT DB_PATH NORMAL|FULL`.
 */
import Database from 'better-sqlite3';
import { createServer } from 'node:http';

const [port, path, synchronous] = process.argv.slice(2);
if (synchronous !== 'NORMAL' && synchronous !== 'FULL') throw new Error('synchronous must be NORMAL or FULL');
const db = new Database(path);
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${synchronous}`);
db.exec(`CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY, event_id TEXT NOT NULL, project_id INTEGER NOT NULL, received INTEGER NOT NULL,
  timestamp REAL, platform TEXT, level TEXT, title TEXT, body TEXT NOT NULL)`);
const insert = db.prepare(`INSERT INTO events (event_id, project_id, received, timestamp, platform, level, title, body)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);

/** The event items of an envelope: header line, then per item a header line and its payload. */
function eventItems(envelope: Buffer): string[] {
  const events: string[] = [];
  let at = envelope.indexOf(10) + 1;
  while (at > 0 && at < envelope.length) {
    const headerEnd = envelope.indexOf(10, at);
    const header = JSON.parse(envelope.toString('utf8', at, headerEnd));
    const start = headerEnd + 1;
    const end = typeof header.length === 'number' ? start + header.length : (envelope.indexOf(10, start) + 1 || envelope.length + 1) - 1;
    if (header.type === 'event') events.push(envelope.toString('utf8', start, end));
    at = end + 1;
  }
  return events;
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    try {
      const project = Number(/^\/api\/(\d+)\//.exec(req.url ?? '')?.[1]);
      let id = '';
      for (const text of eventItems(Buffer.concat(chunks))) {
        const e = JSON.parse(text);
        const ex = e.exception?.values?.at(-1);
        insert.run(e.event_id, project, Date.now(), e.timestamp, e.platform, e.level, ex ? `${ex.type}: ${ex.value}` : (e.message ?? ''), text);
        id = e.event_id;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id }));
    } catch (err) {
      res.writeHead(400).end(JSON.stringify({ detail: String(err) }));
    }
  });
});
server.listen(Number(port ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
});
