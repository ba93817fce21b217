import type { AnyValue } from '../model.js';

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
export const COMPARE_OPS: readonly CompareOp[] = ['==', '!=', '<', '<=', '>', '>='];

/** `[ "key" ]` or `[ 0 ]` after a path segment or a function call. */
export interface KeyNode {
  value: string | bigint;
  col: number;
}

export interface PathField {
  name: string;
  col: number;
  keys: KeyNode[];
}

export interface CallNode {
  kind: 'call';
  name: string;
  args: ValueNode[];
  /** The parameter name of each argument written `name=value`; undefined for positional ones. */
  argNames: (string | undefined)[];
  keys: KeyNode[];
  col: number;
}

export type ValueNode =
  | { kind: 'literal'; value: AnyValue; col: number }
  | { kind: 'enum'; name: string; col: number }
  | { kind: 'path'; fields: PathField[]; col: number }
  | { kind: 'list'; items: ValueNode[]; col: number }
  | { kind: 'map'; entries: { key: string; value: ValueNode }[]; col: number }
  /** `left op right`, OTTL's math expressions; `*` and `/` bind tighter than `+` and `-`. */
  | { kind: 'math'; op: MathOp; left: ValueNode; right: ValueNode; col: number }
  /** Unary minus on a value that is not a number literal (`-attributes["x"]`, `-(a + b)`). */
  | { kind: 'negate'; operand: ValueNode; col: number }
  | CallNode;

export type MathOp = '+' | '-' | '*' | '/';

/** `editor(args...) [where condition]`. */
export interface StatementNode {
  editor: CallNode;
  where?: BoolNode;
}

export type BoolNode =
  | { kind: 'or' | 'and'; left: BoolNode; right: BoolNode }
  | { kind: 'not'; operand: BoolNode }
  | { kind: 'compare'; op: CompareOp; left: ValueNode; right: ValueNode; col: number }
  | { kind: 'const'; value: boolean }
  /** A converter call used directly as a condition, e.g. `IsMatch(name, "^a")`. */
  | { kind: 'call'; call: CallNode };
