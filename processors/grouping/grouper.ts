import type { ErrorEvent } from '../../pipeline/exceptions/model.js';
import { Lru } from '../../pipeline/lru.js';
import { BUILTIN_FINGERPRINT_RULES, BUILTIN_STACKTRACE_RULES } from './builtin-rules.js';
import { Enhancer } from './enhancer.js';
import { parseFingerprintRules } from './fingerprint-rules.js';
import { groupEvent, type GroupingResult, type GroupingSetup } from './grouping.js';
import { issueCulprit, issueTitle } from './metadata.js';
import { parseStacktraceRules } from './stacktrace-rules.js';

/** Enough stacks to hold every code path a busy service fails in; repeats are the common case. */
const STACK_CACHE_SIZE = 4096;

export interface Grouped extends GroupingResult {
  title: string;
  culprit: string;
}

export interface GrouperOptions {
  /** Project stack trace rules in Sentry's syntax, applied after the built-in ones. */
  stacktraceRules?: string;
  /** Project fingerprint rules in Sentry's syntax, tried before the built-in ones. */
  fingerprintRules?: string;
}

/** Groups events with the built-in rules plus a project's own; rules are parsed once here. */
export class Grouper {
  private readonly setup: GroupingSetup;

  constructor(opts: GrouperOptions = {}) {
    this.setup = {
      enhancer: new Enhancer([...parseStacktraceRules(BUILTIN_STACKTRACE_RULES), ...parseStacktraceRules(opts.stacktraceRules ?? '')]),
      fingerprintRules: [...parseFingerprintRules(opts.fingerprintRules ?? ''), ...parseFingerprintRules(BUILTIN_FINGERPRINT_RULES, true)],
      stacks: new Lru(STACK_CACHE_SIZE),
    };
  }

  /** Groups the event; it is normalised in place (frames gain `in_app`, trimmed function names). */
  group(event: ErrorEvent): Grouped {
    const result = groupEvent(event, this.setup);
    return { ...result, title: issueTitle(event, result), culprit: issueCulprit(event) };
  }
}
