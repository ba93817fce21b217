/**
 * `error_mode` of the components that run OTTL (filter, transform, routing), as upstream defines
 * it: `propagate` refuses the batch — permanently, since the same data fails the same way again;
 * `ignore` skips what failed and says so once per batch, not once per item; `silent` skips quietly.
 */
import type { Logger } from 'pino';
import { permanentError } from '../../pipeline/errors.js';
import type { PipelineSignal } from '../../pipeline/model.js';
import { OttlRuntimeError } from '../../pipeline/ottl/index.js';

export type ErrorMode = 'propagate' | 'ignore' | 'silent';

export const ERROR_MODES: readonly ErrorMode[] = ['propagate', 'ignore', 'silent'];

/** One component's failures of the batch being evaluated (evaluation is synchronous per batch). */
export class OttlErrors {
  private count = 0;
  private first: string | undefined;

  constructor(
    /** Prefix of the permanent error, e.g. `transform processor transform/x`. */
    private readonly component: string,
    private readonly logger: Logger | undefined,
    /** The once-per-batch warning under `ignore`, saying what became of the failed items. */
    private readonly warning: string,
  ) {}

  /** What compiled conditions and statements call on a failure in `mode`; undefined (throw) under propagate. */
  onError(mode: ErrorMode): ((err: OttlRuntimeError) => void) | undefined {
    if (mode === 'propagate') return undefined;
    if (mode === 'silent') return () => {};
    return (err) => {
      if (this.count++ === 0) this.first = err.message;
    };
  }

  /** Evaluates one batch of `signal`: a failure that propagates becomes a permanent error; ignored ones are warned about once. */
  run<T>(signal: PipelineSignal, evaluate: () => T): T {
    this.count = 0;
    this.first = undefined;
    let out: T;
    try {
      out = evaluate();
    } catch (err) {
      if (err instanceof OttlRuntimeError) throw permanentError(`${this.component}: ${err.message}`, err);
      throw err;
    }
    if (this.count) this.logger?.warn({ signal, errors: this.count, first: this.first }, this.warning);
    return out;
  }
}
