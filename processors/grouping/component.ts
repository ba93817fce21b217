import { createHash } from 'node:crypto';

export type Value = Component | string;

/**
 * A node of Sentry's grouping tree: a named part of the event (`exception`, `frame`, `module`,
 * ...) holding values or child components, and whether it counts. The hash of a tree is the MD5
 * of the values of every contributing component, in order, without separators; that makes
 * Summit's hashes Sentry's hashes wherever the trees agree.
 *
 * As in Sentry, `contributes` is computed from the values when they are set (any literal value,
 * or any contributing child) and stays as it is when a child changes later: a frame whose only
 * contributing part is switched off afterwards still "contributes", with no values.
 */
export class Component {
  hint: string | undefined;
  contributes = false;
  values: Value[] = [];
  /** The values that count, computed once for a component that will not change any more. */
  private frozen?: string[];
  private hashed?: string;

  constructor(
    readonly id: string,
    values?: Value[],
    opts: { hint?: string; contributes?: boolean } = {},
  ) {
    this.update({ values, ...opts });
  }

  update(u: { values?: Value[]; contributes?: boolean; hint?: string }): this {
    this.hashed = undefined;
    if (u.hint !== undefined) this.hint = u.hint;
    if (u.values !== undefined) {
      this.values = u.values;
      if (u.contributes === undefined) this.contributes = u.values.some((v) => typeof v === 'string' || v.contributes);
    }
    if (u.contributes !== undefined) this.contributes = u.contributes;
    return this;
  }

  /** The values that count, depth first. */
  flatValues(out: string[] = []): string[] {
    if (this.frozen) {
      for (const v of this.frozen) out.push(v);
      return out;
    }
    if (!this.contributes) return out;
    for (const v of this.values) {
      if (typeof v === 'string') out.push(v);
      else v.flatValues(out);
    }
    return out;
  }

  /** Promises the component will not change again, so its values are worked out only once. */
  freeze(): this {
    this.frozen = this.flatValues();
    return this;
  }

  hash(): string | undefined {
    if (!this.contributes) return undefined;
    if (this.hashed === undefined) {
      // A wrapper around one contributing component (a variant's root) has that component's values.
      const counting = this.values.filter((v) => typeof v === 'string' || v.contributes);
      const only = counting.length === 1 && typeof counting[0] !== 'string' ? counting[0] : undefined;
      this.hashed = only ? only.hash() : hashValues(this.flatValues());
    }
    return this.hashed;
  }

  /** Whether a component with this id is reachable through contributing components only. */
  hasContributing(id: string): boolean {
    return this.values.some((v) => typeof v !== 'string' && v.contributes && (v.id === id || v.hasContributing(id)));
  }

  /**
   * The tree as Sentry's snapshot tests print it, for explaining a hash: `*` marks what
   * contributes, and parts without values (a frame's missing module) are left out.
   */
  describe(indent = ''): string {
    const head = `${indent}${this.id}${this.contributes ? '*' : ''}${this.hint ? ` (${this.hint})` : ''}\n`;
    return (
      head +
      this.values
        .map((v) => (typeof v === 'string' ? `${indent}  ${JSON.stringify(v)}\n` : v.values.length ? v.describe(`${indent}  `) : ''))
        .join('')
    );
  }
}

export function hashValues(values: string[]): string {
  return createHash('md5').update(values.join(''), 'utf8').digest('hex');
}
