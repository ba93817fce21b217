/**
 * The `syslog` receiver (upstream syslogreceiver): RFC 5424 / RFC 3164 messages over TCP
 * (newline, NUL or octet-counting framing, TLS optional) or UDP, parsed into upstream's
 * attributes, then through stanza operators into the pipeline. The `tcplog` and `udplog`
 * receivers are the same listeners without the syslog parsing.
 */
import type { ComponentFactory } from '../../pipeline/component.js';
import { parseByteSize } from '../../pipeline/stanza/byte-size.js';
import type { Entry } from '../../pipeline/stanza/entry.js';
import { syslogConfigSchema, validateSyslogConfig, type SyslogConfig } from './config.js';
import { createIntake, listenerInstance } from './intake.js';
import { TcpListener, UdpListener } from './listeners.js';
import { parseSyslogEntry } from '../../pipeline/stanza/syslog.js';

export type { SyslogConfig } from './config.js';
export { tcplogReceiverFactory, udplogReceiverFactory } from './netlog.js';

export const syslogReceiverFactory: ComponentFactory<SyslogConfig> = {
  type: 'syslog',
  kind: 'receiver',
  signals: ['logs'],
  stability: 'beta',
  configSchema: syslogConfigSchema,
  validate: validateSyslogConfig,
  create(ctx, c, next) {
    const transport = (c.tcp ?? c.udp)!;
    const options = { protocol: c.protocol, location: c.location, allowSkipPri: c.allow_skip_pri_header };
    const parse = (e: Entry) => parseSyslogEntry(e, options);
    const intake = createIntake(
      { encoding: transport.encoding, addAttributes: transport.add_attributes, attributes: c.attributes, resource: c.resource, operators: c.operators, retryOnFailure: c.retry_on_failure },
      next.logs!,
      ctx.logger,
      parse,
      c.protocol,
    );
    const listener = c.tcp
      ? new TcpListener(
          c.tcp.listen_address,
          c.enable_octet_counting ? 'octet' : (c.non_transparent_framing_trailer ?? 'LF'),
          c.enable_octet_counting ? c.max_octets : parseByteSize(c.tcp.max_log_size),
          c.tcp.tls,
          ctx.configDir,
          intake.handle,
          ctx.logger,
        )
      : new UdpListener(c.udp!.listen_address, c.udp!.one_log_per_packet, intake.handle, ctx.logger);
    return listenerInstance(listener, intake);
  },
};
