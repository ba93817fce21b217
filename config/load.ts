import { expandTree, type Env } from './expand.js';
import { LocationTree } from './locations.js';
import { mergeLayer } from './merge.js';
import { ProblemList, sortProblems } from './problems.js';
import { applySetFlag, parseSetFlag } from './set-flags.js';
import { ConfigError, type ConfigProblem, type SourceLocation } from './types.js';
import { isMap } from './values.js';
import type { ConfigText } from './uris.js';
import { parseYamlText, readYamlFile } from './yaml-file.js';

export interface LoadOptions {
  /** Config files (paths) or texts read from `--config` URIs, merged in this order. */
  files: (string | ConfigText)[];
  /** `--set path=value` flags (without the `--set`), applied after every file. */
  sets?: string[];
  /** Variables for `${env:...}`; defaults to process.env. */
  env?: Env;
}

/** The merged, expanded config, with the source position of every key path. */
export interface LoadedSources {
  value: Record<string, unknown>;
  /** Where `path` was last set; for a path that does not exist, its nearest existing ancestor. */
  locate(path: string[]): SourceLocation | undefined;
  /** Directory of the file that set `path` (the working directory for `--set`). */
  dirOf(path: string[]): string;
  /**
   * The text a scalar had before it was typed: `${env:PORT}` became the number 4317 from "4317".
   * Lets validation give a string-typed key its text back, as upstream does.
   */
  expandedText(path: string[]): string | undefined;
  files: string[];
  /** Warnings (errors are thrown as a ConfigError). */
  problems: ConfigProblem[];
}

/**
 * Reads, merges and expands the config sources. Throws a {@link ConfigError} carrying every
 * problem of every source when any of them is an error.
 */
export function loadSources(opts: LoadOptions): LoadedSources {
  const env = opts.env ?? process.env;
  const value: Record<string, unknown> = {};
  const tree = new LocationTree();
  const locate = (path: string[]): SourceLocation | undefined => tree.nearest(path)?.location;
  const problems = new ProblemList({ value, locate });
  const fileProblems: ConfigProblem[] = [];

  for (const source of opts.files) {
    const file = nameOf(source);
    const { layer, problems: found } = typeof source === 'string' ? readYamlFile(source) : parseYamlText(source.text, source.name, source.dir);
    fileProblems.push(...found);
    if (!layer) continue;
    const v = layer.value ?? {}; // an empty file is an empty config, as upstream
    if (!isMap(v)) {
      fileProblems.push({ severity: 'error', location: { file, line: 1, column: 1 }, message: 'the top level of a config file must be a map of sections (receivers, exporters, service, ...)' });
      continue;
    }
    mergeLayer(value, tree, { value: v, locations: layer.locations });
  }

  (opts.sets ?? []).forEach((text, i) => {
    const origin = { location: { file: '--set', line: i + 1, column: 1 }, dir: process.cwd() };
    try {
      applySetFlag(value, tree, parseSetFlag(text), origin);
    } catch (err) {
      fileProblems.push({ severity: 'error', location: origin.location, message: (err as Error).message });
    }
  });

  // After merging, like upstream: a reference is expanded once, whichever layer set it.
  const typedText = new Map<string, string>();
  expandTree(
    value,
    env,
    (path, issue) => problems.add(issue.severity, path, issue.message),
    (path, text) => typedText.set(pathKey(path), text),
  );

  const names = opts.files.map(nameOf);
  const all = sortProblems([...fileProblems, ...problems.items], [...names, '--set']);
  if (all.some((p) => p.severity === 'error')) throw new ConfigError(all);
  return {
    value,
    locate,
    dirOf: (path) => tree.nearest(path)?.dir ?? process.cwd(),
    expandedText: (path) => typedText.get(pathKey(path)),
    files: names,
    problems: all,
  };
}

const nameOf = (source: string | ConfigText): string => (typeof source === 'string' ? source : source.name);

function pathKey(path: readonly string[]): string {
  return path.join('\u0000');
}
