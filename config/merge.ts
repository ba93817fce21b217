import type { LocationTree } from './locations.js';
import { isMap, setOwn } from './values.js';
import type { YamlLayer } from './yaml-file.js';

/**
 * Merges a later layer into `target` the way the Collector merges several `--config` files:
 * maps merge key by key, anything else (list, scalar, null) replaces what was there, and takes
 * the positions of everything beneath it along.
 */
export function mergeLayer(target: Record<string, unknown>, targetLocations: LocationTree, layer: YamlLayer & { value: Record<string, unknown> }): void {
  const rootOrigin = layer.locations.root.origin;
  if (rootOrigin) targetLocations.root.origin = rootOrigin;
  mergeMaps(target, layer.value, [], targetLocations, layer.locations);
}

function mergeMaps(target: Record<string, unknown>, from: Record<string, unknown>, path: string[], tree: LocationTree, fromTree: LocationTree): void {
  for (const [key, value] of Object.entries(from)) {
    const child = [...path, key];
    const current = Object.hasOwn(target, key) ? target[key] : undefined;
    if (isMap(current) && isMap(value)) {
      const origin = fromTree.node(child)?.origin;
      if (origin) tree.set(child, origin);
      mergeMaps(current, value, child, tree, fromTree);
    } else {
      setOwn(target, key, value);
      tree.graft(child, fromTree.node(child) ?? { children: new Map() });
    }
  }
}
