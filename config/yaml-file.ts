import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { LocationTree, type Origin } from './locations.js';
import type { ConfigProblem, SourceLocation } from './types.js';

export interface YamlLayer {
  /** Plain JS; null for an empty document. */
  value: unknown;
  locations: LocationTree;
}

/** Options shared by files and `--set` values: the Collector (go-yaml) knows `<<` merge keys. */
export const YAML_OPTIONS = { merge: true, prettyErrors: false, uniqueKeys: true } as const;

/** Reads one YAML config file, keeping the position of every key and list entry. */
export function readYamlFile(file: string): { layer?: YamlLayer; problems: ConfigProblem[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    return { problems: [{ severity: 'error', location: { file, line: 1, column: 1 }, message: `cannot read config file: ${reason}` }] };
  }
  return parseYamlText(text, file);
}

/** `dir` is where relative paths in it resolve; by default the file's own directory. */
export function parseYamlText(text: string, file: string, dir = dirname(resolve(file))): { layer?: YamlLayer; problems: ConfigProblem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...YAML_OPTIONS, lineCounter });
  const at = (offset: number): SourceLocation => {
    // yaml places some errors (a duplicate key) on the line break before the offending token.
    const next = text.slice(offset).search(/\S/);
    const { line, col } = lineCounter.linePos(next < 0 ? offset : offset + next);
    return { file, line, column: col };
  };
  const problems: ConfigProblem[] = [
    ...doc.errors.map((e) => ({ severity: 'error' as const, location: at(e.pos[0]), message: `YAML syntax: ${e.message}` })),
    ...doc.warnings.map((e) => ({ severity: 'warning' as const, location: at(e.pos[0]), message: `YAML: ${e.message}` })),
  ];
  if (doc.errors.length) return { problems };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    problems.push({ severity: 'error', location: at(0), message: `YAML: ${(err as Error).message}` });
    return { problems };
  }
  const locations = new LocationTree();
  locations.set([], { location: { file, line: 1, column: 1 }, dir });
  recordPositions(doc, doc.contents, [], locations, (offset) => ({ location: at(offset), dir }), 0);
  return { layer: { value, locations }, problems };
}

// With `merge` on, yaml reads a plain `<<` key as a symbol; a quoted '<<' stays an ordinary key.
const isMergeKey = (key: unknown): boolean => isScalar(key) && typeof key.value === 'symbol';

function recordPositions(doc: Document, node: unknown, path: string[], tree: LocationTree, origin: (offset: number) => Origin, depth: number): void {
  // Aliases may nest (or, via merge keys, repeat); a bound keeps a hostile file from exploding.
  if (depth > 100) return;
  if (isAlias(node)) node = node.resolve(doc);
  if (isMap(node)) {
    // Merge keys first: explicit keys of the map override what `<<` brings in.
    for (const pair of node.items) {
      if (isMergeKey(pair.key)) {
        const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
        for (const s of [...sources].reverse()) recordPositions(doc, s, path, tree, origin, depth + 1);
      }
    }
    for (const pair of node.items) {
      if (!isScalar(pair.key) || isMergeKey(pair.key)) continue;
      const key = pair.key.value === null ? '' : String(pair.key.value);
      const child = [...path, key];
      const node = pair.key as Node;
      if (node.range) tree.set(child, origin(node.range[0]));
      recordPositions(doc, pair.value, child, tree, origin, depth + 1);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      const child = [...path, String(i)];
      const range = (item as Node | null)?.range;
      if (range) tree.set(child, origin(range[0]));
      recordPositions(doc, item, child, tree, origin, depth + 1);
    });
  }
}
