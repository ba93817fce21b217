import type { MathOp } from './ast.js';
import { OttlRuntimeError } from './errors.js';
import { OttlDuration, OttlTime } from './time.js';
import { typeName, type Value } from './values.js';

/**
 * OTTL's math expressions, as upstream evaluates them: int with int stays int64 (wrapping on
 * overflow, division truncating), any double makes a double, division by zero is an error;
 * time - time is a duration, time ± duration a time, duration ± duration a duration.
 */

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const wrap = (v: bigint): bigint => BigInt.asIntN(64, v);

function numeric<T extends bigint | number>(x: T, y: T, op: MathOp): T {
  switch (op) {
    case '+':
      return ((x as number) + (y as number)) as T;
    case '-':
      return ((x as number) - (y as number)) as T;
    case '*':
      return ((x as number) * (y as number)) as T;
    case '/':
      if (y === 0 || y === 0n) throw new OttlRuntimeError('attempted to divide by 0');
      return ((x as number) / (y as number)) as T;
  }
}

export function applyMath(op: MathOp, x: Value, y: Value): Value {
  if (typeof x === 'bigint') {
    if (typeof y === 'bigint') return wrap(numeric(x, y, op));
    if (typeof y === 'number') return numeric(Number(x), y, op);
    throw new OttlRuntimeError(`math: the right operand of ${op} must be an int or double, got ${typeName(y)}`);
  }
  if (typeof x === 'number') {
    if (typeof y === 'bigint' || typeof y === 'number') return numeric(x, Number(y), op);
    throw new OttlRuntimeError(`math: the right operand of ${op} must be an int or double, got ${typeName(y)}`);
  }
  if (x instanceof OttlTime) {
    if (op === '+' && y instanceof OttlDuration) return new OttlTime(x.unixNano + y.nanos, x.zone);
    if (op === '-' && y instanceof OttlDuration) return new OttlTime(x.unixNano - y.nanos, x.zone);
    // Go's Time.Sub saturates at the largest durations.
    if (op === '-' && y instanceof OttlTime) return new OttlDuration(clamp(x.unixNano - y.unixNano));
    throw new OttlRuntimeError(
      op === '+' || op === '-'
        ? `math: a time ${op === '+' ? 'takes + with a duration' : 'takes - with a time or a duration'}, got ${typeName(y)}`
        : 'math: only + and - work on times and durations',
    );
  }
  if (x instanceof OttlDuration) {
    if (op === '+' && y instanceof OttlDuration) return new OttlDuration(wrap(x.nanos + y.nanos));
    if (op === '+' && y instanceof OttlTime) return new OttlTime(y.unixNano + x.nanos, y.zone);
    if (op === '-' && y instanceof OttlDuration) return new OttlDuration(wrap(x.nanos - y.nanos));
    throw new OttlRuntimeError(
      op === '+' || op === '-'
        ? `math: a duration ${op === '+' ? 'takes + with a duration or a time' : 'takes - with a duration'}, got ${typeName(y)}`
        : 'math: only + and - work on times and durations',
    );
  }
  throw new OttlRuntimeError(`math works on int, double, time and duration values, got ${typeName(x)}`);
}

export function negate(x: Value): Value {
  if (typeof x === 'bigint') return wrap(-x);
  if (typeof x === 'number') return -x;
  throw new OttlRuntimeError(`unary minus works on int and double values, got ${typeName(x)}`);
}

const clamp = (v: bigint): bigint => (v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN : v);
