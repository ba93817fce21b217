/** The `tcplog` and `udplog` receivers (upstream tcplogreceiver / udplogreceiver): one record per line (or datagram), no parsing. */
import type { ComponentFactory } from '../../pipeline/component.js';
import { parseByteSize } from '../../pipeline/stanza/byte-size.js';
import type { RetryOnFailureConfig } from '../../pipeline/stanza/emitter.js';
import { validateOperators, type OperatorConfig } from '../../pipeline/stanza/operators.js';
import { checkTls } from '../../pipeline/tlsconfig.js';
import { checkListener, COMMON_PROPERTIES, TCP_PROPERTIES, UDP_PROPERTIES, type TcpConfig, type UdpConfig } from './config.js';
import { createIntake, listenerInstance } from './intake.js';
import { TcpListener, UdpListener } from './listeners.js';

interface Common {
  retry_on_failure: RetryOnFailureConfig;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  operators: OperatorConfig[];
}

const intakeSettings = (c: Common & { encoding: string; add_attributes: boolean }) => ({
  encoding: c.encoding,
  addAttributes: c.add_attributes,
  attributes: c.attributes,
  resource: c.resource,
  operators: c.operators,
  retryOnFailure: c.retry_on_failure,
});

export const tcplogReceiverFactory: ComponentFactory<TcpConfig & Common> = {
  type: 'tcplog',
  kind: 'receiver',
  signals: ['logs'],
  stability: 'alpha',
  configSchema: { type: 'object', additionalProperties: false, required: ['listen_address'], properties: { ...TCP_PROPERTIES, ...COMMON_PROPERTIES } },
  validate: (c) => [...checkListener(c, ''), ...checkTls(c.tls, 'tls'), ...validateOperators(c.operators)],
  create(ctx, c, next) {
    const intake = createIntake(intakeSettings(c), next.logs!, ctx.logger);
    return listenerInstance(new TcpListener(c.listen_address, 'LF', parseByteSize(c.max_log_size), c.tls, ctx.configDir, intake.handle, ctx.logger), intake);
  },
};

export const udplogReceiverFactory: ComponentFactory<UdpConfig & Common> = {
  type: 'udplog',
  kind: 'receiver',
  signals: ['logs'],
  stability: 'alpha',
  configSchema: { type: 'object', additionalProperties: false, required: ['listen_address'], properties: { ...UDP_PROPERTIES, ...COMMON_PROPERTIES } },
  validate: (c) => [...checkListener(c, ''), ...validateOperators(c.operators)],
  create(ctx, c, next) {
    const intake = createIntake(intakeSettings(c), next.logs!, ctx.logger);
    return listenerInstance(new UdpListener(c.listen_address, c.one_log_per_packet, intake.handle, ctx.logger), intake);
  },
};
