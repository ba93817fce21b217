/**
 * Copies of small byte strings packed into shared slabs: one allocation per slab rather than
 * one ArrayBuffer per copy (which cost more than encoding the spans). A slab is freed once no
 * copy in it is referenced; the sampler's copies all go within decision_wait of being made,
 * so at most a decision_wait's worth of slabs is held.
 */
const SLAB_BYTES = 256 * 1024;

export class Slabs {
  private slab = new Uint8Array(0);
  private used = 0;

  copy(bytes: Uint8Array): Uint8Array {
    if (bytes.length > SLAB_BYTES / 4) return bytes.slice();
    if (this.used + bytes.length > this.slab.length) {
      this.slab = new Uint8Array(SLAB_BYTES);
      this.used = 0;
    }
    // the constructor over the buffer: subarray() looks up a species constructor first, which costs more
    const out = new Uint8Array(this.slab.buffer, this.used, bytes.length);
    out.set(bytes);
    this.used += bytes.length;
    return out;
  }
}
