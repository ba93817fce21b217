/**
 * The `syslog` receiver (upstream syslogreceiver): RFC 5424 / RFC 3164 messages over TCP
 * (newline, NUL or octet-counting framing, TLS optional) or UDP, parsed into upstream's
 * attributes, then through stanza operators into the pipeline.
 */
import type { ComponentFactory } from '../../pipeline/component.js';
import { parseByteSize } from '../../pipeline/stanza/byte-size.js';
import { Emitter } from '../../pipeline/stanza/emitter.js';
import { newEntry, type Entry } from '../../pipeline/stanza/entry.js';
import { OperatorPipeline } from '../../pipeline/stanza/operators.js';
import { syslogConfigSchema, validateSyslogConfig, type SyslogConfig } from './config.js';
import { TcpListener, UdpListener, type Peer } from './listeners.js';
import { parseSyslogEntry } from './parse.js';

export type { SyslogConfig } from './config.js';

function decoder(encoding: string): (b: Buffer) => string {
  const e = encoding.toLowerCase();
  if (e === 'utf-16le') return (b) => b.toString('utf16le');
  if (['ascii', 'us-ascii', 'latin1', 'iso-8859-1'].includes(e)) return (b) => b.toString('latin1');
  return (b) => b.toString('utf8');
}

export const syslogReceiverFactory: ComponentFactory<SyslogConfig> = {
  type: 'syslog',
  kind: 'receiver',
  signals: ['logs'],
  stability: 'beta',
  configSchema: syslogConfigSchema,
  validate: validateSyslogConfig,
  create(ctx, c, next) {
    const operators = OperatorPipeline.build(c.operators, ctx.logger);
    const emitter = new Emitter(next.logs!, c.retry_on_failure, ctx.logger);
    const decode = decoder((c.tcp ?? c.udp)!.encoding);
    const addAttributes = (c.tcp ?? c.udp)!.add_attributes;
    let failures = 0;
    let lastWarn = 0;

    const toEntry = (raw: Buffer, peer: Peer, observed: bigint): Entry => {
      let text = decode(raw).replace(/[\r\n]+$/, '');
      const e = newEntry(text, observed);
      Object.assign(e.attributes, c.attributes);
      Object.assign(e.resource, c.resource);
      if (addAttributes) {
        Object.assign(e.attributes, {
          'net.transport': `IP.${peer.transport.toUpperCase()}`,
          'net.peer.ip': peer.peerIp,
          'net.peer.port': String(peer.peerPort),
          'net.host.ip': peer.hostIp,
          'net.host.port': String(peer.hostPort),
        });
      }
      const skipPri = c.allow_skip_pri_header && !text.startsWith('<');
      if (skipPri) text = `<0>${text}`;
      try {
        e.body = text;
        parseSyslogEntry(e, c.protocol, c.location);
        if (skipPri) {
          for (const k of ['priority', 'facility']) delete e.attributes[k];
          e.severity = 0;
          e.severityText = '';
        }
      } catch (err) {
        // upstream's parser default (on_error: send): the record goes on unparsed, and the failure is said
        failures++;
        if (Date.now() - lastWarn >= 10_000) {
          lastWarn = Date.now();
          ctx.logger.warn({ failures, err: (err as Error).message }, `cannot parse a syslog message as ${c.protocol}; it is sent unparsed`);
        }
      }
      e.body = skipPri ? text.slice(3) : text;
      return e;
    };

    const handle = async (messages: Buffer[], peer: Peer) => {
      const observed = BigInt(Date.now()) * 1_000_000n;
      const entries: Entry[] = [];
      for (const m of messages) operators.process(toEntry(m, peer, observed), (x) => entries.push(x));
      operators.flushStale((x) => entries.push(x));
      await emitter.deliver(entries);
    };

    const listener = c.tcp
      ? new TcpListener(
          c.tcp.listen_address,
          c.enable_octet_counting ? 'octet' : (c.non_transparent_framing_trailer ?? 'LF'),
          c.enable_octet_counting ? c.max_octets : parseByteSize(c.tcp.max_log_size),
          c.tcp.tls,
          ctx.configDir,
          handle,
          ctx.logger,
        )
      : new UdpListener(c.udp!.listen_address, c.udp!.one_log_per_packet, handle, ctx.logger);
    return {
      async start() {
        await listener.start();
      },
      async shutdown() {
        emitter.stop();
        await listener.shutdown();
      },
    };
  },
};
