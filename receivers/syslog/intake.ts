/**
 * What the syslog, tcplog and udplog receivers share: messages from a listener become entries
 * (with `add_attributes`' connection attributes), are parsed when the receiver parses, go
 * through the operators, and are delivered with retry — the listener waits meanwhile.
 */
import type { Logger } from 'pino';
import type { ComponentInstance, Consumer } from '../../pipeline/component.js';
import { Emitter, type RetryOnFailureConfig } from '../../pipeline/stanza/emitter.js';
import { newEntry, type Entry } from '../../pipeline/stanza/entry.js';
import { OperatorPipeline, type OperatorConfig } from '../../pipeline/stanza/operators.js';
import type { Peer } from './listeners.js';

export interface IntakeSettings {
  encoding: string;
  addAttributes: boolean;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  operators: OperatorConfig[];
  retryOnFailure: RetryOnFailureConfig;
}

function decoder(encoding: string): (b: Buffer) => string {
  const e = encoding.toLowerCase();
  if (e === 'utf-16le') return (b) => b.toString('utf16le');
  if (['ascii', 'us-ascii', 'latin1', 'iso-8859-1'].includes(e)) return (b) => b.toString('latin1');
  return (b) => b.toString('utf8');
}

export interface Intake {
  handle(messages: Buffer[], peer: Peer): Promise<void>;
  stop(): void;
}

/** `parse` fills an entry from its body (the syslog receiver's parser); a thrown error sends the entry on unparsed, said at most every 10 s. */
export function createIntake(s: IntakeSettings, next: Consumer<'logs'>, logger: Logger, parse?: (e: Entry) => void, parseWhat = ''): Intake {
  const operators = OperatorPipeline.build(s.operators, logger);
  const emitter = new Emitter(next, s.retryOnFailure, logger);
  const decode = decoder(s.encoding);
  let failures = 0;
  let lastWarn = 0;

  const toEntry = (raw: Buffer, peer: Peer, observed: bigint): Entry => {
    const e = newEntry(decode(raw).replace(/[\r\n]+$/, ''), observed);
    Object.assign(e.attributes, s.attributes);
    Object.assign(e.resource, s.resource);
    if (s.addAttributes) {
      Object.assign(e.attributes, {
        'net.transport': `IP.${peer.transport.toUpperCase()}`,
        'net.peer.ip': peer.peerIp,
        'net.peer.port': String(peer.peerPort),
        'net.host.ip': peer.hostIp,
        'net.host.port': String(peer.hostPort),
      });
    }
    if (parse) {
      try {
        parse(e);
      } catch (err) {
        // upstream's parser default (on_error: send): the record goes on unparsed, and the failure is said
        failures++;
        if (Date.now() - lastWarn >= 10_000) {
          lastWarn = Date.now();
          logger.warn({ failures, err: (err as Error).message }, `cannot parse a message as ${parseWhat}; it is sent unparsed`);
        }
      }
    }
    return e;
  };

  return {
    async handle(messages, peer) {
      const observed = BigInt(Date.now()) * 1_000_000n;
      const entries: Entry[] = [];
      for (const m of messages) operators.process(toEntry(m, peer, observed), (x) => entries.push(x));
      operators.flushStale((x) => entries.push(x));
      await emitter.deliver(entries);
    },
    stop: () => emitter.stop(),
  };
}

/** A receiver instance around one listener and its intake. */
export function listenerInstance(listener: { start(): Promise<void>; shutdown(): Promise<void> }, intake: Intake): ComponentInstance {
  return {
    async start() {
      await listener.start();
    },
    async shutdown() {
      intake.stop();
      await listener.shutdown();
    },
  };
}
