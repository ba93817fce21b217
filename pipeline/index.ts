/** The public API for plugin authors: `import { ... } from 'summit'`. */
export * from './model.js';
export * from './model-ops.js';
export * from './builders.js';
export * from './component.js';
export * from './errors.js';
export * from './redact.js';
export * from './duration.js';
export type { SelfTelemetry } from './telemetry.js';
export * from './walk.js';
export * from './anyvalue.js';
export * from './otlpjson/index.js';
export * from './ottl/index.js';
export * from './exporterhelper/index.js';
export * as exceptions from './exceptions/index.js';
export * from './auth.js';
export * from './client-info.js';
// texts a plugin keeps (the ui exporter's live store) are cut as built-in components cut theirs
export { cutText } from './text-limit.js';
// HTTP servers of plugins (the ui exporter) get the same timeouts, connection cap and TLS keys as built-in ones
export { createHttpServer, httpServerSchema, httpServerSettings, HTTP_SERVER_DEFAULTS, type HttpServerSettings } from './http-server.js';
export { closeServer, endpointProblems, listen, splitHostPort } from './net.js';
export { checkTls, serverTlsOptions, serverTlsSchema, type ServerTlsConfig } from './tlsconfig.js';
export * as cicd from './cicd/index.js';
export { FifoMap } from './fifo-map.js';
