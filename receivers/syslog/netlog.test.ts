import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanedUpAfterEach, startSummit, until } from '../../test/delivery-helpers.js';
import { freePort, tempDir } from '../../test/helpers.js';
import { readLogRecords } from '../../test/log-output.js';

const { running, dirs } = cleanedUpAfterEach();

describe('tcplog and udplog receivers', () => {
  it('take one record per line over TCP and per line of a datagram over UDP, through operators', async () => {
    const dir = tempDir('summit-netlog-');
    dirs.push(dir);
    const [tcp, udp] = [await freePort(), await freePort()];
    running.push(
      await startSummit(
        dir,
        `receivers:
  tcplog:
    listen_address: 127.0.0.1:${tcp}
    add_attributes: true
    operators:
      - type: json_parser
  udplog:
    listen_address: 127.0.0.1:${udp}
exporters:
  file:
    path: ./out.jsonl
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [tcplog, udplog]
      exporters: [file]
`,
      ),
    );
    const sock = connect(tcp, '127.0.0.1');
    sock.end('{"level":"info","msg":"over tcp"}\r\nplain line\n');
    const client = createSocket('udp4');
    await new Promise<void>((r) => client.send('udp one\nudp two', udp, '127.0.0.1', () => r()));
    client.close();
    const out = join(dir, 'out.jsonl');
    await until(() => readLogRecords(out).length >= 4, 'four records');
    const records = readLogRecords(out);
    expect(records.map((r) => r.body).sort()).toEqual(['plain line', 'udp one', 'udp two', '{"level":"info","msg":"over tcp"}']);
    const json = records.find((r) => r.attributes.msg === 'over tcp')!;
    expect(json.attributes).toMatchObject({ level: 'info', 'net.transport': 'IP.TCP', 'net.peer.ip': '127.0.0.1' });
    expect(records.find((r) => r.body === 'udp one')!.attributes).toEqual({});
  });
});
