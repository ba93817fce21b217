/** A subset of the OpenTelemetry Transformation Language: boolean conditions. See README.md. */
export { compileCondition, compileConditions, type CompileOptions, type Predicate } from './compile.js';
export {
  OTTL_CONTEXTS,
  describePaths,
  type ContextItems,
  type DataPoint,
  type DataPointItem,
  type LogItem,
  type MetricItem,
  type OttlContext,
  type ResourceItem,
  type SpanEventItem,
  type SpanItem,
} from './contexts.js';
export { OttlParseError, OttlRuntimeError } from './errors.js';
export { functionsFor } from './functions.js';
export { parseCondition } from './parser.js';
export { compare, typeName, type Value } from './values.js';
