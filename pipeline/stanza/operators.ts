/**
 * The `operators:` list of stanza-based receivers (filelog, syslog): upstream's operator types
 * and keys, run in order (or along `output` / router routes) on every entry. A type Summit does
 * not implement is a config error naming it.
 */
import type { Logger } from 'pino';
import type { Entry } from './entry.js';
import { compileExpr } from './expr.js';
import { OPERATOR_BUILDERS, type OperatorBuilder, type Step } from './operator-types.js';

export interface OperatorConfig {
  type: string;
  id?: string;
  output?: string | string[];
  if?: string;
  on_error?: 'send' | 'send_quiet' | 'drop' | 'drop_quiet';
  [key: string]: unknown;
}

export const operatorsSchema = {
  type: 'array',
  default: [],
  items: {
    type: 'object',
    required: ['type'],
    properties: {
      type: { type: 'string' },
      id: { type: 'string', minLength: 1 },
      output: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
      if: { type: 'string' },
      on_error: { enum: ['send', 'send_quiet', 'drop', 'drop_quiet'] },
    },
  },
};

export const SUPPORTED_OPERATORS = Object.keys(OPERATOR_BUILDERS).sort();

interface Node {
  id: string;
  step: Step;
  outputs: number[];
  onError: NonNullable<OperatorConfig['on_error']>;
  condition?: (e: Entry) => boolean;
  failures: number;
  lastWarn: number;
}

/** Problems of an operator list, keyed `operators[i]...`, so config validation names them. */
export function validateOperators(configs: OperatorConfig[] | undefined, path = 'operators'): { path: string; message: string }[] {
  try {
    OperatorPipeline.build(configs ?? []);
    return [];
  } catch (err) {
    const e = err as Error & { index?: number };
    return [{ path: e.index === undefined ? path : `${path}[${e.index}]`, message: e.message }];
  }
}

export class OperatorPipeline {
  private constructor(
    private readonly nodes: Node[],
    /** Operator ids to their index, for routers sending by name. */
    private readonly routeIds: Map<string, number>,
    private readonly logger?: Logger,
  ) {}

  static build(configs: OperatorConfig[], logger?: Logger): OperatorPipeline {
    const ids = new Map<string, number>();
    const built = configs.map((c, index) => {
      const fail = (message: string) => Object.assign(new Error(message), { index });
      const builder: OperatorBuilder | undefined = OPERATOR_BUILDERS[c.type];
      if (!builder) throw fail(`unsupported operator type "${c.type}"; Summit supports: ${SUPPORTED_OPERATORS.join(', ')}`);
      const id = c.id ?? c.type;
      if (ids.has(id)) throw fail(`duplicate operator id "${id}"; give each operator of one type its own id`);
      ids.set(id, index);
      try {
        return { c, id, step: builder(c), condition: c.if === undefined ? undefined : compileExpr(c.if) };
      } catch (err) {
        throw fail(`${c.type} "${id}": ${(err as Error).message}`);
      }
    });
    const nodes = built.map(({ c, id, step, condition }, index): Node => {
      const named = c.output === undefined ? undefined : Array.isArray(c.output) ? c.output : [c.output];
      const resolve = (name: string) => {
        const target = ids.get(name);
        if (target === undefined) throw Object.assign(new Error(`${c.type} "${id}": output "${name}" names no operator`), { index });
        return target;
      };
      for (const name of step.routes ?? []) resolve(name);
      const outputs = named ? named.map(resolve) : index + 1 < built.length ? [index + 1] : [];
      return { id, step, outputs, onError: c.on_error ?? 'send', condition, failures: 0, lastWarn: 0 };
    });
    return new OperatorPipeline(nodes, ids, logger);
  }

  /** Runs one entry through the operators; `out` gets what leaves the last one (0, 1 or more entries). */
  process(e: Entry, out: (e: Entry) => void): void {
    if (this.nodes.length === 0) return out(e);
    this.run(0, e, out);
  }

  private forward(node: Node, e: Entry, out: (e: Entry) => void, to?: string): void {
    if (to !== undefined) return this.run(this.routeIds.get(to)!, e, out);
    if (node.outputs.length === 0) return out(e);
    node.outputs.forEach((i, k) => this.run(i, k === node.outputs.length - 1 ? e : structuredClone(e), out));
  }

  private run(index: number, e: Entry, out: (e: Entry) => void): void {
    const node = this.nodes[index];
    if (node.condition && !safe(() => node.condition!(e))) return this.forward(node, e, out);
    try {
      node.step.process(e, (x, to) => this.forward(node, x, out, to));
    } catch (err) {
      this.failed(node, err);
      if (node.onError === 'send' || node.onError === 'send_quiet') this.forward(node, e, out);
    }
  }

  /** Parse failures are counted and said at most every 10 s per operator, not once per line. */
  private failed(node: Node, err: unknown): void {
    node.failures++;
    if (node.onError.endsWith('_quiet') || !this.logger) return;
    const now = Date.now();
    if (now - node.lastWarn < 10_000) return;
    node.lastWarn = now;
    this.logger.warn({ operator: node.id, failures: node.failures, err: (err as Error).message }, `operator ${node.id} failed on an entry (on_error: ${node.onError})`);
  }

  /** Releases entries held by operators that wait for more (recombine) once their wait is over. */
  flushStale(out: (e: Entry) => void): void {
    this.nodes.forEach((node) => node.step.flushStale?.((x) => this.forward(node, x, out)));
  }

  /** Per source key, where the oldest entry still held by an operator starts: offsets beyond it are not committed. */
  heldStarts(): Map<string, number> {
    const held = new Map<string, number>();
    for (const node of this.nodes) {
      for (const s of node.step.held?.() ?? []) held.set(s.key, Math.min(held.get(s.key) ?? Infinity, s.start));
    }
    return held;
  }
}

function safe(f: () => boolean): boolean {
  try {
    return f();
  } catch {
    return false;
  }
}
