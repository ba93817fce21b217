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
