/** The operator types Summit implements, by upstream type name. */
import type { Entry, EntrySource } from './entry.js';
import type { OperatorConfig } from './operators.js';
import { buildContainerParser } from './container.js';
import { PARSERS } from './parsers.js';
import { buildRecombine } from './recombine.js';
import { TRANSFORMERS } from './transformers.js';

export interface Step {
  /** Handles one entry; `send` passes it (or what it became) on — to a named operator for routers. */
  process(e: Entry, send: (e: Entry, to?: string) => void): void;
  /** Operator ids this step may send to by name (router routes). */
  routes?: string[];
  /** Releases held entries whose wait (force_flush_period) is over. */
  flushStale?(send: (e: Entry) => void): void;
  held?(): EntrySource[];
}

export type OperatorBuilder = (c: OperatorConfig) => Step;

export const OPERATOR_BUILDERS: Record<string, OperatorBuilder> = {
  ...PARSERS,
  ...TRANSFORMERS,
  recombine: buildRecombine,
  container: buildContainerParser,
};
