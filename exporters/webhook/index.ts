/**
 * The `webhook` exporter: alerting rules over the metrics, logs and spans it is given, and
 * Alertmanager's notification pipeline (routes, grouping, silences, inhibition) to Slack,
 * PagerDuty, Teams, Discord, Alertmanager and signed webhooks, with escalation until someone
 * acknowledges. See README.md.
 */
import type { Server } from 'node:http';
import type { ComponentFactory, ComponentInstance } from '../../pipeline/component.js';
import { createHttpServer, httpServerSettings } from '../../pipeline/http-server.js';
import { closeServer, listenEndpoint } from '../../pipeline/net.js';
import { ackHandler } from './ack-server.js';
import { resolveWebhookConfig, webhookExporterSchema, webhookProblems, type WebhookExporterConfig } from './config.js';
import { Delivery } from './delivery.js';
import type { AlertingEngine } from './engine.js';
import { AlertState } from './state.js';
import { buildEngine } from './wiring.js';

/** How often the engine wakes up to evaluate, flush groups and page: the resolution of every timer. */
export const TICK_MS = 1000;

export const webhookExporterFactory: ComponentFactory<WebhookExporterConfig> = {
  type: 'webhook',
  kind: 'exporter',
  signals: ['metrics', 'logs', 'traces'],
  stability: 'development',
  configSchema: webhookExporterSchema,
  validate: (c) => webhookProblems(c),
  create(ctx, config) {
    const resolved = resolveWebhookConfig(config, ctx.configDir);
    const clock = Date.now;
    let state: AlertState | undefined;
    let engine: AlertingEngine | undefined;
    let server: Server | undefined;
    let timer: NodeJS.Timeout | undefined;
    const delivery = new Delivery(ctx, config, resolved.targets);
    const instance: ComponentInstance = {
      mutatesData: false,
      consumers: {
        metrics: { consume: async (d) => engine?.ingestMetrics(d, clock()) },
        logs: { consume: async (d) => engine?.ingestLogs(d, clock()) },
        traces: { consume: async (d) => engine?.ingestTraces(d, clock()) },
      },
      async start(host) {
        state = AlertState.open(resolved.statePath, { create: true });
        const secret = config.signing_secret ?? state.generatedSecret();
        engine = buildEngine(resolved, state, delivery, secret, ctx.logger);
        engine.restore(clock());
        await delivery.start(host);
        if (config.endpoint) {
          server = createHttpServer(httpServerSettings(config), ackHandler({ state, secret, clock }), { owner: ctx });
          await listenEndpoint(server, config.endpoint);
        }
        timer = setInterval(() => {
          engine!.tick(clock()).catch((err: unknown) => ctx.logger.error({ err }, 'alerting tick failed'));
        }, TICK_MS);
      },
      async shutdown(stop) {
        clearInterval(timer);
        await closeServer(server);
        await engine?.tick(clock()).catch(() => undefined);
        await delivery.shutdown(stop);
        state?.close();
      },
    };
    return instance;
  },
};
