/** Enough entries to hold every code path a busy service fails in; repeats are the common case. */
const DEFAULT_SIZE = 4096;

/** A Map that forgets its least recently used entry when full. */
export class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly size = DEFAULT_SIZE) {}

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, v: V): void {
    if (this.map.size >= this.size) this.map.delete(this.map.keys().next().value!);
    this.map.set(key, v);
  }
}
