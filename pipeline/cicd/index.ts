/** The contract between the CI/CD components: deterministic run ids and shared attribute names. */
export * from './ids.js';
export * from './semconv.js';
