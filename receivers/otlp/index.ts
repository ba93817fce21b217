import type { ComponentFactory } from '../../pipeline/component.js';
import { checkEndpoint } from '../../pipeline/net.js';
import { checkTls } from '../../pipeline/tlsconfig.js';
import { otlpReceiverSchema, withDefaults, type OtlpReceiverConfig } from './config.js';
import { OtlpGrpcServer } from './grpc.js';
import { OtlpHttpServer } from './http.js';

export type { OtlpReceiverConfig } from './config.js';

/** Receives OTLP over gRPC and HTTP, as the Collector's otlpreceiver does. */
export const otlpReceiverFactory: ComponentFactory<OtlpReceiverConfig> = {
  type: 'otlp',
  kind: 'receiver',
  signals: ['traces', 'metrics', 'logs', 'profiles'],
  stability: 'stable',
  configSchema: otlpReceiverSchema,
  validate(config) {
    const { grpc, http } = withDefaults(config);
    const problems: { path: string; message: string }[] = [];
    for (const [name, p] of [['grpc', grpc], ['http', http]] as const) {
      if (!p) continue;
      problems.push(...checkEndpoint(p.endpoint, p.transport, `protocols.${name}.endpoint`));
      problems.push(...checkTls(p.tls, `protocols.${name}.tls`));
    }
    if (http) {
      const paths = [http.traces_url_path, http.metrics_url_path, http.logs_url_path];
      if (new Set(paths).size !== 3) problems.push({ path: 'protocols.http', message: 'traces_url_path, metrics_url_path and logs_url_path must differ' });
    }
    return problems;
  },
  create(ctx, config, next) {
    const { grpc, http } = withDefaults(config);
    const servers = [
      ...(grpc ? [new OtlpGrpcServer(grpc, next, ctx.logger, ctx.configDir, ctx)] : []),
      ...(http ? [new OtlpHttpServer(http, next, ctx.logger, ctx.configDir, ctx)] : []),
    ];
    return {
      async start(host) {
        for (const s of servers) await s.start(host);
      },
      async shutdown() {
        for (const s of servers) s.shutdown();
      },
    };
  },
};
