/**
 * A condition that cannot be compiled: bad syntax, an unknown path, enum or function, or a bad
 * argument. Carries the 1-based column so config errors can point at the offending character.
 */
export class OttlParseError extends Error {
  readonly condition: string;
  readonly column: number;
  /** The message without the `condition '...' at column N:` prefix. */
  readonly detail: string;

  constructor(condition: string, column: number, detail: string, what: 'condition' | 'statement' = 'condition') {
    super(`${what} '${condition}' at column ${column}: ${detail}`);
    this.name = 'OttlParseError';
    this.condition = condition;
    this.column = column;
    this.detail = detail;
  }
}

/**
 * A condition failed while evaluating one item (e.g. indexing a string, Len of a number).
 * Thrown by compiled predicates; the caller's error mode decides whether it fails the batch.
 * Messages name types and keys from the condition, never values from the data.
 */
export class OttlRuntimeError extends Error {
  /** Set once the error has left the predicate of a specific condition. */
  condition?: string;

  constructor(message: string, condition?: string, what: 'condition' | 'statement' = 'condition') {
    super(condition === undefined ? message : `failed to ${what === 'condition' ? 'evaluate condition' : 'execute statement'} '${condition}': ${message}`);
    this.name = 'OttlRuntimeError';
    this.condition = condition;
  }
}
