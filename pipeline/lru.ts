/**
 * A bounded cache that keeps what is used: entries live in a young generation; when it fills
 * up, the old one is dropped and the young one becomes old; an old entry that is used again
 * moves back to the young one. A hit costs one lookup (a strict LRU costs three: get, delete,
 * set), and between `size` and `2 × size` entries are kept.
 */
export class Lru<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();
  constructor(private readonly size: number) {}

  get(key: string): V | undefined {
    const v = this.young.get(key);
    if (v !== undefined) return v;
    const aged = this.old.get(key);
    if (aged !== undefined) this.set(key, aged);
    return aged;
  }

  set(key: string, v: V): void {
    if (this.young.size >= this.size) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, v);
  }
}
