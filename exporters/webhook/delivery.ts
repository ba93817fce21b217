/**
 * Sending notifications through the exporter helper: each message to each target is one
 * queued record (a log record carrying the JSON body and which target takes it), so it gets the
 * helper's retries, bounded queue and — with `sending_queue.storage` — a place on disk that
 * survives restarts and kill -9 (delivery is then at least once).
 */
import type { CreateContext, Host, ShutdownContext } from '../../pipeline/component.js';
import { permanentError, retryableError } from '../../pipeline/errors.js';
import { backendTextScrubber, createExporterHelper, otlpJsonCodec, type ExporterHelper, type ExporterHelperConfig } from '../../pipeline/exporterhelper/index.js';
import type { Logs } from '../../pipeline/model.js';
import { buildBody, type IntegrationKind, type Message } from './integrations.js';
import { targetSecrets, type Target } from './receivers.js';
import { SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from './signing.js';

interface QueuedDelivery {
  receiver: string;
  target: number;
  body: string;
}

const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

export class Delivery {
  readonly helper: ExporterHelper;
  private readonly scrub: (text: string) => string;

  constructor(
    ctx: CreateContext,
    config: ExporterHelperConfig,
    private readonly targets: Map<string, Target[]>,
    private readonly clock: () => number = Date.now,
  ) {
    this.scrub = backendTextScrubber(targetSecrets(targets.values()));
    this.helper = createExporterHelper({ ...ctx, signals: ['logs'] }, config, (_signal, data, abort) => this.send(data as Logs, abort), { codec: otlpJsonCodec });
  }

  start(host: Host): Promise<void> {
    return this.helper.start(host);
  }

  shutdown(ctx?: ShutdownContext): Promise<void> {
    return this.helper.shutdown(ctx);
  }

  /**
   * Queues the message for every target of its receiver (or those of the `only` kinds);
   * resolves once queued (on disk, with a persistent queue).
   */
  async deliver(m: Message, only?: readonly IntegrationKind[]): Promise<void> {
    const targets = this.targets.get(m.receiver) ?? [];
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i];
      if (only && !only.includes(t.kind)) continue;
      let alerts = m.alerts;
      if (!t.sendResolved) {
        if (m.status === 'resolved') continue;
        alerts = alerts.filter((a) => a.endsAt === undefined);
      }
      const body = JSON.stringify(buildBody(t.kind, { ...m, alerts }, t.settings));
      await this.enqueue({ receiver: m.receiver, target: i, body });
    }
  }

  private enqueue(d: QueuedDelivery): Promise<void> {
    const logs: Logs = {
      resourceLogs: [
        {
          resource: { attributes: new Map(), droppedAttributesCount: 0 },
          schemaUrl: '',
          scopeLogs: [
            {
              scope: { name: 'summit.alerting', version: '', attributes: new Map(), droppedAttributesCount: 0 },
              schemaUrl: '',
              logRecords: [
                {
                  timeUnixNano: BigInt(this.clock()) * 1_000_000n,
                  observedTimeUnixNano: 0n,
                  severityNumber: 0,
                  severityText: '',
                  body: JSON.stringify(d),
                  attributes: new Map(),
                  droppedAttributesCount: 0,
                  flags: 0,
                  traceId: '',
                  spanId: '',
                  eventName: 'summit.notification',
                },
              ],
            },
          ],
        },
      ],
    };
    return this.helper.consumers.logs!.consume(logs);
  }

  private async send(logs: Logs, abort: AbortSignal): Promise<void> {
    for (const rl of logs.resourceLogs) for (const sl of rl.scopeLogs) for (const r of sl.logRecords) await this.post(JSON.parse(String(r.body)) as QueuedDelivery, abort);
  }

  private async post(d: QueuedDelivery, abort: AbortSignal): Promise<void> {
    const t = this.targets.get(d.receiver)?.[d.target];
    if (!t) throw permanentError(`receiver "${d.receiver}" has no target #${d.target + 1} any more (the config changed while the notification was queued)`);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Summit-Alerting' };
    if (t.secret) {
      // signed when sent, not when queued: a retry an hour later carries a fresh timestamp
      const ts = Math.floor(Date.now() / 1000);
      headers[TIMESTAMP_HEADER] = String(ts);
      headers[SIGNATURE_HEADER] = signBody(t.secret, ts, d.body);
    }
    let res: Response;
    try {
      res = await fetch(t.url, { method: 'POST', headers, body: d.body, signal: abort });
    } catch (err) {
      throw retryableError(`${t.kind} receiver "${d.receiver}": ${this.scrub(String((err as Error).cause ?? (err as Error).message))}`);
    }
    if (res.ok) {
      await res.body?.cancel();
      return;
    }
    const text = this.scrub(await res.text().catch(() => ''));
    const message = `${t.kind} receiver "${d.receiver}" answered HTTP ${res.status}${text ? `: ${text}` : ''}`;
    if (RETRYABLE_STATUS.has(res.status)) throw retryableError(message, retryAfterMs(res.headers.get('retry-after')));
    throw permanentError(message);
  }
}
