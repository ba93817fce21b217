/** Structured errors shared by every component that handles them: see model.ts. */
export * from './model.js';
export { isUrl, normalizeFrame } from './normalize.js';
export { parseStacktrace, type ParsedStack } from './parse/index.js';
export { qualifiedType, renderStacktrace } from './render.js';
export * from './otel.js';
export { errorEventFromAnyValue } from './body.js';
export * from './issues.js';
export * from './issue-queries.js';
