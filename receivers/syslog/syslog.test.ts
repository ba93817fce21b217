import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanedUpAfterEach, startSummit, until } from '../../test/delivery-helpers.js';
import { freePort, runSummit, tempDir, writeFile } from '../../test/helpers.js';
import { readLogRecords } from '../../test/log-output.js';

const { running, dirs } = cleanedUpAfterEach();

function config(receiver: string): string {
  return `receivers:
  syslog:
${receiver
  .trim()
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}
exporters:
  file:
    path: ./out.jsonl
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [syslog]
      exporters: [file]
`;
}

async function start(receiver: string): Promise<string> {
  const dir = tempDir('summit-syslog-');
  dirs.push(dir);
  running.push(await startSummit(dir, config(receiver)));
  return join(dir, 'out.jsonl');
}

/** The real util-linux `logger` sending to the receiver. */
function logger(args: string[], message: string): void {
  execFileSync('/usr/bin/logger', [...args, message], { stdio: 'pipe' });
}

describe('syslog receiver', () => {
  it('receives RFC 5424 over TCP from logger, with structured data, severity and facility mapped as upstream does', async () => {
    const port = await freePort();
    const out = await start(`protocol: rfc5424\ntcp:\n  listen_address: 127.0.0.1:${port}\n  add_attributes: true`);
    logger(['-n', '127.0.0.1', '-P', String(port), '-T', '--rfc5424', '-t', 'billing', '--msgid', 'ID47', '-p', 'local3.warning', '--sd-id', 'origin@32473', '--sd-param', 'ip="10.0.0.1"', '--sd-param', 'env="prod"'], 'payment declined for order 17');
    logger(['-n', '127.0.0.1', '-P', String(port), '-T', '--rfc5424', '-t', 'billing', '-p', 'user.err'], 'second message');
    await until(() => readLogRecords(out).length >= 2, 'two records');
    const [first, second] = readLogRecords(out);
    expect(String(first.body)).toMatch(/^<156>1 .* billing - ID47 .*\[origin@32473 .*\] payment declined for order 17$/);
    expect(first.attributes).toMatchObject({
      appname: 'billing',
      msg_id: 'ID47',
      message: 'payment declined for order 17',
      priority: 156,
      facility: 19,
      version: 1,
      'net.transport': 'IP.TCP',
      'net.peer.ip': '127.0.0.1',
    });
    expect((first.attributes.structured_data as Record<string, unknown>)['origin@32473']).toEqual({ ip: '10.0.0.1', env: 'prod' });
    expect(typeof first.attributes.hostname).toBe('string');
    expect(first.attributes.proc_id).toBeUndefined();
    expect([first.severityNumber, first.severityText]).toEqual([13, 'warning']);
    expect([second.severityNumber, second.severityText]).toEqual([17, 'err']);
    const now = BigInt(Date.now()) * 1_000_000n;
    expect(now - first.timeUnixNano).toBeLessThan(60_000_000_000n);
  });

  it('receives octet-counted RFC 5424 over TCP (logger --octet-count), messages with newlines kept whole', async () => {
    const port = await freePort();
    const out = await start(`protocol: rfc5424\nenable_octet_counting: true\ntcp:\n  listen_address: 127.0.0.1:${port}`);
    logger(['-n', '127.0.0.1', '-P', String(port), '-T', '--octet-count', '-t', 'app'], 'octet counted');
    // a hand-framed message with an embedded newline, and one over max_octets that is skipped
    const sock = connect(port, '127.0.0.1');
    const msg = (m: string) => `<14>1 2024-05-01T10:00:00.123456Z host app 42 - - ${m}`;
    const frame = (m: string) => `${Buffer.byteLength(m)} ${m}`;
    sock.end(frame(msg('line one\nline two')) + frame(msg('x'.repeat(9000))) + frame(msg('after the long one')));
    await until(() => readLogRecords(out).length >= 3, 'three records');
    const records = readLogRecords(out);
    expect(records.map((r) => r.attributes.message)).toEqual(['octet counted', 'line one\nline two', 'after the long one']);
    expect(records[1].timeUnixNano).toBe(1714557600123456000n);
  });

  it('receives RFC 3164 over UDP from logger, timestamps read in the configured location', async () => {
    const port = await freePort();
    const out = await start(`protocol: rfc3164\nlocation: America/New_York\nudp:\n  listen_address: 127.0.0.1:${port}`);
    logger(['-n', '127.0.0.1', '-P', String(port), '-d', '--rfc3164', '-t', 'cron', '-i', '-p', 'cron.notice'], 'job done');
    await until(() => readLogRecords(out).length >= 1, 'one record');
    const [r] = readLogRecords(out);
    expect(r.attributes).toMatchObject({ appname: 'cron', message: 'job done', priority: 77, facility: 9 });
    expect(r.attributes.proc_id).toMatch(/^\d+$/);
    expect([r.severityNumber, r.severityText]).toEqual([10, 'notice']);
    // logger wrote local (UTC) wall-clock time; read as New York time it lies 4 or 5 hours later
    const skewHours = Number(r.timeUnixNano / 1_000_000n - BigInt(Date.now())) / 3_600_000;
    expect(Math.round(skewHours)).toBeGreaterThanOrEqual(4);
    expect(Math.round(skewHours)).toBeLessThanOrEqual(5);
  });

  it('sends a message it cannot parse on unparsed, and keeps the connection', async () => {
    const port = await freePort();
    const out = await start(`protocol: rfc5424\ntcp:\n  listen_address: 127.0.0.1:${port}`);
    const sock = connect(port, '127.0.0.1');
    sock.end('not syslog at all\n<14>1 - host app - - - fine\n');
    await until(() => readLogRecords(out).length >= 2, 'two records');
    const records = readLogRecords(out);
    expect(records.map((r) => r.body)).toEqual(['not syslog at all', '<14>1 - host app - - - fine']);
    expect(records[0].attributes).toEqual({});
    expect(records[1].attributes.message).toBe('fine');
  });

  it('receives over TLS (tcp.tls) from a client that verifies the certificate', async () => {
    const dir = tempDir('summit-syslog-tls-');
    dirs.push(dir);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'pipe' });
    const port = await freePort();
    running.push(await startSummit(dir, config(`protocol: rfc5424\ntcp:\n  listen_address: 127.0.0.1:${port}\n  tls:\n    cert_file: cert.pem\n    key_file: key.pem`)));
    const out = join(dir, 'out.jsonl');
    const sock = tlsConnect({ host: '127.0.0.1', port, ca: readFileSync(join(dir, 'cert.pem')) });
    await new Promise<void>((r, j) => sock.once('secureConnect', () => r()).once('error', j));
    sock.end('<165>1 2024-05-01T10:00:00Z host app - - - over tls\n');
    await until(() => readLogRecords(out).length >= 1, 'one record');
    expect(readLogRecords(out)[0].attributes).toMatchObject({ message: 'over tls', facility: 20 });
  });

  it('refuses configs upstream refuses, naming the key', async () => {
    const dir = tempDir('summit-syslog-');
    dirs.push(dir);
    const file = writeFile(dir, 'bad.yaml', config(`protocol: rfc3164\nenable_octet_counting: true\nudp:\n  listen_address: 127.0.0.1:5514`));
    const r = await runSummit(['validate', '--config', file]);
    expect(r.code).not.toBe(0);
    expect(r.stderr + r.stdout).toMatch(/enable_octet_counting/);
  });
});
