import type { SourceLocation } from './types.js';

/** Where a key path was set, and the directory its relative paths resolve against. */
export interface Origin {
  location: SourceLocation;
  dir: string;
}

export interface LocationNode {
  origin?: Origin;
  children: Map<string, LocationNode>;
}

/**
 * The origin of every key path of a config, as a tree mirroring the config's maps and lists,
 * so that a later layer replacing a value also drops the positions of everything beneath it.
 */
export class LocationTree {
  readonly root: LocationNode = { children: new Map() };

  /** Records the origin of `path`, creating origin-less intermediate nodes. */
  set(path: readonly string[], origin: Origin): void {
    this.ensure(path).origin = origin;
  }

  node(path: readonly string[]): LocationNode | undefined {
    let cur: LocationNode | undefined = this.root;
    for (const seg of path) {
      cur = cur.children.get(seg);
      if (!cur) return undefined;
    }
    return cur;
  }

  /** Replaces the subtree at `path` with `node` (or an empty one). */
  graft(path: readonly string[], node: LocationNode): void {
    if (path.length === 0) {
      this.root.origin = node.origin;
      this.root.children = node.children;
      return;
    }
    this.ensure(path.slice(0, -1)).children.set(path[path.length - 1], node);
  }

  /** Origin of `path`, or of its nearest ancestor that has one. */
  nearest(path: readonly string[]): Origin | undefined {
    let cur: LocationNode | undefined = this.root;
    let found = cur.origin;
    for (const seg of path) {
      cur = cur.children.get(seg);
      if (!cur) break;
      if (cur.origin) found = cur.origin;
    }
    return found;
  }

  private ensure(path: readonly string[]): LocationNode {
    let cur = this.root;
    for (const seg of path) {
      let next = cur.children.get(seg);
      if (!next) {
        next = { children: new Map() };
        cur.children.set(seg, next);
      }
      cur = next;
    }
    return cur;
  }
}
