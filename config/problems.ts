import type { ComponentKind } from '../pipeline/component.js';
import type { ConfigProblem, SourceLocation } from './types.js';
import { getAt } from './values.js';

/** Config sections holding components, and the registry kind each holds. */
export const COMPONENT_SECTIONS = {
  receivers: 'receiver',
  processors: 'processor',
  exporters: 'exporter',
  connectors: 'connector',
  extensions: 'extension',
} as const satisfies Record<string, ComponentKind>;

export type ComponentSection = keyof typeof COMPONENT_SECTIONS;

export function isComponentSection(s: string): s is ComponentSection {
  return Object.hasOwn(COMPONENT_SECTIONS, s);
}

/** What a problem is attached to: the value tree (for list detection) and the positions. */
export interface Locator {
  value: unknown;
  locate(path: string[]): SourceLocation | undefined;
}

/**
 * Splits a document path into the component (or pipeline) it belongs to and the key inside it:
 * `['exporters','debug','verbosity']` → `exporters::debug` + `verbosity`.
 */
export function describePath(path: readonly string[], root: unknown): { componentId?: string; keyPath?: string } {
  let head = 0;
  let componentId: string | undefined;
  if (path.length >= 2 && isComponentSection(path[0])) {
    componentId = `${path[0]}::${path[1]}`;
    head = 2;
  } else if (path[0] === 'service' && path[1] === 'pipelines' && path.length >= 3) {
    componentId = `service::pipelines::${path[2]}`;
    head = 3;
  } else if (path[0] === 'service' && path[1] === 'telemetry') {
    componentId = 'service::telemetry';
    head = 2;
  } else if (path[0] === 'service' && path.length >= 2) {
    componentId = 'service';
    head = 1;
  }
  const keyPath = formatKeyPath(path, head, root);
  return { ...(componentId ? { componentId } : {}), ...(keyPath ? { keyPath } : {}) };
}

/** `protocols.grpc.endpoint`, with list indices as `[i]` (`targets[0].endpoint`). */
function formatKeyPath(path: readonly string[], from: number, root: unknown): string {
  let out = '';
  for (let i = from; i < path.length; i++) {
    const parent = getAt(root, path.slice(0, i));
    out += Array.isArray(parent) && /^\d+$/.test(path[i]) ? `[${path[i]}]` : `${out ? '.' : ''}${path[i]}`;
  }
  return out;
}

/** Problems in reading order: by file (in the order given), line and column; unplaced last. */
export function sortProblems(problems: readonly ConfigProblem[], files: readonly string[]): ConfigProblem[] {
  const fileRank = (p: ConfigProblem): number => {
    if (!p.location) return files.length + 1;
    const i = files.indexOf(p.location.file);
    return i < 0 ? files.length : i; // --set after every file
  };
  return [...problems].sort(
    (a, b) =>
      fileRank(a) - fileRank(b) ||
      (a.location?.line ?? 0) - (b.location?.line ?? 0) ||
      (a.location?.column ?? 0) - (b.location?.column ?? 0),
  );
}

/** Collects problems, each placed at the source position of its document path. */
export class ProblemList {
  readonly items: ConfigProblem[] = [];

  constructor(private readonly src: Locator) {}

  error(path: readonly string[], message: string): void {
    this.add('error', path, message);
  }

  warn(path: readonly string[], message: string): void {
    this.add('warning', path, message);
  }

  add(severity: ConfigProblem['severity'], path: readonly string[], message: string): void {
    const location = this.src.locate([...path]);
    const problem: ConfigProblem = { severity, ...(location ? { location } : {}), ...describePath(path, this.src.value), message };
    const dup = this.items.some(
      (p) => p.severity === severity && p.message === message && p.componentId === problem.componentId && p.keyPath === problem.keyPath,
    );
    if (!dup) this.items.push(problem);
  }

  locate(path: readonly string[]): SourceLocation | undefined {
    return this.src.locate([...path]);
  }

  get hasErrors(): boolean {
    return this.items.some((p) => p.severity === 'error');
  }
}
