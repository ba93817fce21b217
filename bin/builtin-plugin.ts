import type { Plugin } from '../pipeline/component.js';
import { PLUGIN_API_VERSION } from '../pipeline/component.js';

/**
 * Summit's own components, registered through the same plugin API a vendor package uses. Each
 * is deferred: what `summit components` and config errors need is written here, and a
 * component's module (with its libraries: gRPC, DuckDB, SQLite, Arrow, …) is imported only when a
 * config names it. builtin-plugin.test.ts checks that each entry says what its factory says.
 */
export const builtinPlugin: Plugin = {
  name: 'summit',
  apiVersion: PLUGIN_API_VERSION,
  factories: [
    { type: 'nop', kind: 'receiver', signals: ['traces', 'metrics', 'logs', 'profiles'], stability: 'beta', load: async () => (await import('../receivers/nop/index.js')).nopReceiverFactory },
    { type: 'otlp', kind: 'receiver', signals: ['traces', 'metrics', 'logs', 'profiles'], stability: 'stable', load: async () => (await import('../receivers/otlp/index.js')).otlpReceiverFactory },
    { type: 'sentry', kind: 'receiver', signals: ['logs', 'traces', 'metrics'], stability: 'alpha', load: async () => (await import('../receivers/sentry/index.js')).sentryReceiverFactory },
    { type: 'github', kind: 'receiver', signals: ['traces'], stability: 'alpha', load: async () => (await import('../receivers/github/index.js')).githubReceiverFactory },
    { type: 'gitlab', kind: 'receiver', signals: ['traces'], stability: 'alpha', load: async () => (await import('../receivers/gitlab/index.js')).gitlabReceiverFactory },
    { type: 'junit', kind: 'receiver', signals: ['traces', 'logs'], stability: 'alpha', load: async () => (await import('../receivers/junit/index.js')).junitReceiverFactory },
    { type: 'filelog', kind: 'receiver', signals: ['logs'], stability: 'beta', load: async () => (await import('../receivers/filelog/index.js')).filelogReceiverFactory },
    { type: 'syslog', kind: 'receiver', signals: ['logs'], stability: 'beta', load: async () => (await import('../receivers/syslog/index.js')).syslogReceiverFactory },
    { type: 'tcplog', kind: 'receiver', signals: ['logs'], stability: 'alpha', load: async () => (await import('../receivers/syslog/index.js')).tcplogReceiverFactory },
    { type: 'udplog', kind: 'receiver', signals: ['logs'], stability: 'alpha', load: async () => (await import('../receivers/syslog/index.js')).udplogReceiverFactory },
    { type: 'prometheus', kind: 'receiver', signals: ['metrics'], stability: 'beta', load: async () => (await import('../receivers/prometheus/index.js')).prometheusReceiverFactory },
    { type: 'hostmetrics', aliases: ['host_metrics'], kind: 'receiver', signals: ['metrics'], stability: 'beta', load: async () => (await import('../receivers/hostmetrics/index.js')).hostmetricsReceiverFactory },
    { type: 'memory_limiter', kind: 'processor', signals: ['traces', 'metrics', 'logs', 'profiles'], stability: 'beta', load: async () => (await import('../processors/memory_limiter/index.js')).memoryLimiterProcessorFactory },
    { type: 'batch', kind: 'processor', signals: ['traces', 'metrics', 'logs'], stability: 'beta', load: async () => (await import('../processors/batch/index.js')).batchProcessorFactory },
    { type: 'attributes', kind: 'processor', signals: ['traces', 'metrics', 'logs'], stability: 'beta', load: async () => (await import('../processors/attributes/index.js')).attributesProcessorFactory },
    { type: 'resource', kind: 'processor', signals: ['traces', 'metrics', 'logs'], stability: 'beta', load: async () => (await import('../processors/resource/index.js')).resourceProcessorFactory },
    { type: 'resourcedetection', aliases: ['resource_detection'], kind: 'processor', signals: ['traces', 'metrics', 'logs', 'profiles'], stability: 'beta', load: async () => (await import('../processors/resourcedetection/index.js')).resourceDetectionProcessorFactory },
    { type: 'filter', kind: 'processor', signals: ['traces', 'metrics', 'logs', 'profiles'], stability: 'alpha', load: async () => (await import('../processors/filter/index.js')).filterProcessorFactory },
    { type: 'transform', kind: 'processor', signals: ['traces', 'metrics', 'logs'], stability: 'beta', load: async () => (await import('../processors/transform/index.js')).transformProcessorFactory },
    { type: 'grouping', kind: 'processor', signals: ['logs', 'traces'], stability: 'development', load: async () => (await import('../processors/grouping/index.js')).groupingProcessorFactory },
    { type: 'tail_sampling', kind: 'processor', signals: ['traces'], stability: 'beta', load: async () => (await import('../processors/tail_sampling/index.js')).tailSamplingProcessorFactory },
    { type: 'redaction', kind: 'processor', signals: ['traces', 'metrics', 'logs'], stability: 'alpha', load: async () => (await import('../processors/redaction/index.js')).redactionProcessorFactory },
    { type: 'symbolication', kind: 'processor', signals: ['logs', 'traces'], stability: 'development', load: async () => (await import('../processors/symbolication/index.js')).symbolicationProcessorFactory },
    { type: 'probabilistic_sampler', kind: 'processor', signals: ['traces', 'logs'], stability: 'beta', load: async () => (await import('../processors/probabilistic_sampler/index.js')).probabilisticSamplerProcessorFactory },
    { type: 'spanmetrics', aliases: ['span_metrics'], kind: 'connector', connects: [['traces', 'metrics']], stability: 'alpha', load: async () => (await import('../processors/spanmetrics/index.js')).spanMetricsConnectorFactory },
    { type: 'routing', kind: 'connector', connects: [['traces', 'traces'], ['metrics', 'metrics'], ['logs', 'logs']], stability: 'alpha', load: async () => (await import('../processors/routing/index.js')).routingConnectorFactory },
    { type: 'count', kind: 'connector', connects: [['traces', 'metrics'], ['metrics', 'metrics'], ['logs', 'metrics']], stability: 'alpha', load: async () => (await import('../processors/count/index.js')).countConnectorFactory },
    { type: 'servicegraph', kind: 'connector', connects: [['traces', 'metrics']], stability: 'alpha', load: async () => (await import('../processors/servicegraph/index.js')).serviceGraphConnectorFactory },
    { type: 'cicd', kind: 'connector', connects: [['traces', 'metrics'], ['traces', 'logs'], ['logs', 'metrics']], stability: 'alpha', load: async () => (await import('../processors/cicd/index.js')).cicdConnectorFactory },
    { type: 'forward', kind: 'connector', connects: [['traces', 'traces'], ['metrics', 'metrics'], ['logs', 'logs'], ['profiles', 'profiles']], stability: 'beta', load: async () => (await import('../processors/forward/index.js')).forwardConnectorFactory },
    { type: 'debug', kind: 'exporter', signals: ['traces', 'metrics', 'logs', 'profiles'], stability: 'development', load: async () => (await import('../exporters/debug/index.js')).debugExporterFactory },
    { type: 'file', kind: 'exporter', signals: ['traces', 'metrics', 'logs'], stability: 'alpha', load: async () => (await import('../exporters/file/index.js')).fileExporterFactory },
    { type: 'nop', kind: 'exporter', signals: ['traces', 'metrics', 'logs', 'profiles'], stability: 'beta', load: async () => (await import('../exporters/nop/index.js')).nopExporterFactory },
    { type: 'loadbalancing', kind: 'exporter', signals: ['traces', 'metrics', 'logs'], stability: 'beta', load: async () => (await import('../exporters/loadbalancing/index.js')).loadBalancingExporterFactory },
    { type: 'otlp', aliases: ['otlp_grpc'], kind: 'exporter', signals: ['traces', 'metrics', 'logs', 'profiles'], stability: 'stable', load: async () => (await import('../exporters/otlp/index.js')).otlpExporterFactory },
    { type: 'otlphttp', aliases: ['otlp_http'], kind: 'exporter', signals: ['traces', 'metrics', 'logs', 'profiles'], stability: 'stable', load: async () => (await import('../exporters/otlphttp/index.js')).otlpHttpExporterFactory },
    { type: 'prometheus', kind: 'exporter', signals: ['metrics'], stability: 'beta', load: async () => (await import('../exporters/prometheus/index.js')).prometheusExporterFactory },
    { type: 'webhook', kind: 'exporter', signals: ['metrics', 'logs', 'traces'], stability: 'development', load: async () => (await import('../exporters/webhook/index.js')).webhookExporterFactory },
    { type: 'parquet', kind: 'exporter', signals: ['traces', 'metrics', 'logs'], stability: 'alpha', load: async () => (await import('../exporters/parquet/index.js')).parquetExporterFactory },
    { type: 'health_check', kind: 'extension', stability: 'beta', load: async () => (await import('../extensions/health_check/index.js')).healthCheckExtensionFactory },
    { type: 'file_storage', kind: 'extension', stability: 'beta', load: async () => (await import('../extensions/file_storage/index.js')).fileStorageExtensionFactory },
    { type: 'issue_store', kind: 'extension', stability: 'development', load: async () => (await import('../extensions/issue_store/index.js')).issueStoreExtensionFactory },
    { type: 'bearertokenauth', kind: 'extension', stability: 'beta', load: async () => (await import('../extensions/bearertokenauth/index.js')).bearerTokenAuthFactory },
    { type: 'basicauth', kind: 'extension', stability: 'beta', load: async () => (await import('../extensions/basicauth/index.js')).basicAuthFactory },
    { type: 'headers_setter', kind: 'extension', stability: 'alpha', load: async () => (await import('../extensions/headers_setter/index.js')).headersSetterFactory },
    { type: 'oauth2client', kind: 'extension', stability: 'beta', load: async () => (await import('../extensions/oauth2client/index.js')).oauth2ClientFactory },
    { type: 'pprof', kind: 'extension', stability: 'beta', load: async () => (await import('../extensions/pprof/index.js')).pprofExtensionFactory },
    { type: 'zpages', kind: 'extension', stability: 'beta', load: async () => (await import('../extensions/zpages/index.js')).zpagesExtensionFactory },
  ],
};
