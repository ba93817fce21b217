import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanedUpAfterEach, startSummit, until } from '../../test/delivery-helpers.js';
import { freePort, tempDir, writeFile } from '../../test/helpers.js';
import { bodyCounts, readLogRecords } from '../../test/log-output.js';

const { running, dirs } = cleanedUpAfterEach();
const peers: ChildProcess[] = [];
afterEach(() => {
  for (const p of peers.splice(0)) p.kill('SIGKILL');
});

/**
 * A real rsyslog (Debian's rsyslogd, in the foreground with its own config and work
 * directory) that takes messages on a UDP port and forwards each to Summit twice: RFC 5424
 * octet-counted over TCP, and RFC 3164 over UDP.
 */
function startRsyslog(dir: string, inPort: number, tcpPort: number, udpPort: number): ChildProcess {
  const conf = writeFile(
    dir,
    'rsyslog.conf',
    `global(workDirectory="${dir}")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="${inPort}")
action(type="omfwd" target="127.0.0.1" port="${tcpPort}" protocol="tcp" TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format"
       queue.type="LinkedList" action.resumeRetryCount="-1" action.resumeInterval="1")
action(type="omfwd" target="127.0.0.1" port="${udpPort}" protocol="udp" template="RSYSLOG_TraditionalForwardFormat")
`,
  );
  const child = spawn('/usr/sbin/rsyslogd', ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid')], { stdio: 'pipe' });
  peers.push(child);
  return child;
}

describe('syslog receiver fed by a real rsyslog', () => {
  it('gets every message rsyslog forwards over TCP (RFC 5424, octet counting) and UDP (RFC 3164)', async () => {
    const dir = tempDir('summit-rsyslog-');
    dirs.push(dir);
    const [inPort, tcpPort, udpPort] = [await freePort(), await freePort(), await freePort()];
    running.push(
      await startSummit(
        dir,
        `receivers:
  syslog/tcp:
    protocol: rfc5424
    enable_octet_counting: true
    tcp:
      listen_address: 127.0.0.1:${tcpPort}
  syslog/udp:
    protocol: rfc3164
    udp:
      listen_address: 127.0.0.1:${udpPort}
exporters:
  file/tcp:
    path: ./tcp.jsonl
  file/udp:
    path: ./udp.jsonl
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    logs/tcp:
      receivers: [syslog/tcp]
      exporters: [file/tcp]
    logs/udp:
      receivers: [syslog/udp]
      exporters: [file/udp]
`,
      ),
    );
    const rsyslog = startRsyslog(dir, inPort, tcpPort, udpPort);
    let stderr = '';
    rsyslog.stderr!.on('data', (d) => (stderr += d));
    const send = (lines: string) =>
      execFileSync('/usr/bin/logger', ['-n', '127.0.0.1', '-P', String(inPort), '-d', '--rfc3164', '-t', 'webapp', '-p', 'daemon.err'], { input: lines, stdio: ['pipe', 'pipe', 'pipe'] });
    // rsyslog's %msg% keeps the space after the RFC 3164 tag, so the forwarded message starts with one
    const arrived = (file: string) => readLogRecords(join(dir, file)).map((r) => String(r.attributes.message).trim());
    // rsyslog is ready once a probe went all the way through both of its actions
    let probe = 0;
    await until(
      () => {
        if (arrived('tcp.jsonl').some((m) => m.startsWith('probe')) && arrived('udp.jsonl').some((m) => m.startsWith('probe'))) return true;
        send(`probe-${probe++}`);
        return false;
      },
      `rsyslog to forward a probe`,
      10_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; rsyslogd said: ${stderr || '(nothing)'}, exit ${rsyslog.exitCode}`);
    });
    const n = 200;
    // logger sends to rsyslog, one datagram per message; a short pause keeps loopback UDP from overflowing
    for (let i = 0; i < n; i += 20) {
      send(Array.from({ length: 20 }, (_, k) => `message-${i + k}`).join('\n'));
      await new Promise((r) => setTimeout(r, 20));
    }
    const messages = (file: string) => bodyCounts(arrived(file).map((m) => ({ body: m })));
    const count = (file: string) => arrived(file).filter((m) => m.startsWith('message-')).length;
    await until(() => count('tcp.jsonl') >= n && count('udp.jsonl') >= n, `${n} messages on both receivers (rsyslog: ${stderr})`, 15_000);
    for (const file of ['tcp.jsonl', 'udp.jsonl']) {
      const counts = messages(file);
      expect([...Array(n).keys()].filter((i) => counts.get(`message-${i}`) !== 1)).toEqual([]);
    }
    const tcp = readLogRecords(join(dir, 'tcp.jsonl')).find((r) => String(r.attributes.message).trim() === 'message-0')!;
    expect(tcp.attributes).toMatchObject({ appname: 'webapp', facility: 3, version: 1 });
    expect([tcp.severityNumber, tcp.severityText]).toEqual([17, 'err']);
    const udp = readLogRecords(join(dir, 'udp.jsonl')).find((r) => String(r.attributes.message).trim() === 'message-0')!;
    expect(udp.attributes).toMatchObject({ appname: 'webapp', facility: 3, priority: 27 });
  });
});
