/** The OpenTelemetry Transformation Language: conditions and statements. See README.md. */
export { compileCondition, compileConditions, compileStatement, type CompileOptions, type Predicate, type Statement } from './compile.js';
export {
  OTTL_CONTEXTS,
  describePaths,
  type ContextItems,
  type DataPoint,
  type DataPointItem,
  type LogItem,
  type MetricItem,
  type OttlContext,
  type ProfileItem,
  type ResourceItem,
  type ScopeItem,
  type SpanEventItem,
  type SpanItem,
} from './contexts.js';
export { OttlParseError, OttlRuntimeError } from './errors.js';
export { functionsFor } from './functions.js';
export { inferContext } from './infer.js';
export { parseCondition, parseStatement, splitStatement } from './parser.js';
export { compare, typeName, type Value } from './values.js';
