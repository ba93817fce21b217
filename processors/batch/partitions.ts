/**
 * upstream's `metadata_keys`: one batcher per combination of the values of those client
 * metadata keys, so a batch never mixes tenants, and each batch goes on carrying that
 * metadata (for headers_setter, from_context) — at most `metadata_cardinality_limit`
 * combinations; data of a new one beyond it is refused, as upstream refuses it.
 */
import { clientInfo, metadataValue, type ClientInfo } from '../../pipeline/client-info.js';
import { permanentError } from '../../pipeline/errors.js';
import type { Signal, SignalData } from '../../pipeline/model.js';
import type { Batcher } from './batcher.js';

export class MetadataPartitions<S extends Signal> {
  private readonly batchers = new Map<string, Batcher<S>>();

  constructor(
    private readonly keys: string[],
    private readonly limit: number,
    private readonly create: (client: ClientInfo) => Batcher<S>,
  ) {}

  consume(data: SignalData[S]): Promise<void> {
    const info = clientInfo();
    const values = this.keys.map((k) => info?.metadata[k.toLowerCase()] ?? []);
    const id = JSON.stringify(values);
    let batcher = this.batchers.get(id);
    if (!batcher) {
      if (this.batchers.size >= this.limit) {
        return Promise.reject(permanentError(`too many batcher metadata-value combinations (metadata_cardinality_limit ${this.limit}): refusing data for ${this.keys.map((k) => `${k}=${metadataValue(info, k) ?? ''}`).join(', ')}`));
      }
      const metadata = Object.fromEntries(this.keys.map((k, i) => [k.toLowerCase(), values[i]]).filter(([, v]) => v.length > 0));
      batcher = this.create({ metadata });
      this.batchers.set(id, batcher);
    }
    return batcher.consume(data);
  }

  /** The batchers made so far, for shutdown. */
  all(): Batcher<S>[] {
    return [...this.batchers.values()];
  }
}
