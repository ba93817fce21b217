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

export type ValueNode =
  | { kind: 'literal'; value: AnyValue; col: number }
  | { kind: 'enum'; name: string; col: number }
  | { kind: 'path'; fields: PathField[]; col: number }
  | { kind: 'call'; name: string; args: ValueNode[]; keys: KeyNode[]; col: number };

export type BoolNode =
  | { kind: 'or' | 'and'; left: BoolNode; right: BoolNode }
  | { kind: 'not'; operand: BoolNode }
  | { kind: 'compare'; op: CompareOp; left: ValueNode; right: ValueNode; col: number }
  | { kind: 'const'; value: boolean }
  /** A converter call used directly as a condition, e.g. `IsMatch(name, "^a")`. */
  | { kind: 'call'; call: Extract<ValueNode, { kind: 'call' }> };
