/**
 * Half-seen requests between two services, keyed by trace id and the client span's id (a server
 * span finds its client through its parent span id). An edge leaves the store when both sides
 * are known (complete) or when its time to live passes (expired). Insertion order is expiry
 * order, since every edge lives the same TTL: the Map is the FIFO.
 */

export type ConnectionType = '' | 'messaging_system' | 'database' | 'virtual_node';

export interface Edge {
  key: string;
  /** The client span's id; "" when a server span had no parent (a root span). */
  clientSpanId: string;
  connectionType: ConnectionType;
  clientService: string;
  serverService: string;
  clientLatencySec: number;
  serverLatencySec: number;
  failed: boolean;
  /** `client_<dimension>` / `server_<dimension>` → value. */
  dimensions: Map<string, string>;
  /** The first virtual_node_peer_attributes attribute the client span has, and its value. */
  peer: Map<string, string>;
  virtualNode: '' | 'client' | 'server';
  expiresAtMs: number;
}

export class TooManyEdges extends Error {}

export class EdgeStore {
  private readonly edges = new Map<string, Edge>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxItems: number,
    private readonly onComplete: (e: Edge) => void,
    private readonly onExpire: (e: Edge) => void,
  ) {}

  get size(): number {
    return this.edges.size;
  }

  /**
   * Applies `update` to the edge under `traceId`+`spanId` (a new one if there is none) and
   * completes it when both services are known. Whether an edge was created; TooManyEdges when
   * the store is full of edges that have not expired yet.
   */
  upsert(traceId: string, spanId: string, nowMs: number, update: (e: Edge) => void): boolean {
    const key = `${traceId}:${spanId}`;
    const existing = this.edges.get(key);
    if (existing) {
      update(existing);
      if (isComplete(existing)) {
        this.edges.delete(key);
        this.onComplete(existing);
      }
      return false;
    }
    const edge: Edge = {
      key,
      clientSpanId: spanId,
      connectionType: '',
      clientService: '',
      serverService: '',
      clientLatencySec: 0,
      serverLatencySec: 0,
      failed: false,
      dimensions: new Map(),
      peer: new Map(),
      virtualNode: '',
      expiresAtMs: nowMs + this.ttlMs,
    };
    update(edge);
    if (isComplete(edge)) {
      this.onComplete(edge);
      return true;
    }
    if (this.edges.size >= this.maxItems && !this.evictHead(nowMs)) throw new TooManyEdges();
    this.edges.set(key, edge);
    return true;
  }

  /** Removes every expired edge, oldest first. */
  expire(nowMs: number): void {
    while (this.evictHead(nowMs));
  }

  private evictHead(nowMs: number): boolean {
    const head = this.edges.values().next();
    if (head.done || head.value.expiresAtMs > nowMs) return false;
    this.edges.delete(head.value.key);
    this.onExpire(head.value);
    return true;
  }
}

function isComplete(e: Edge): boolean {
  return e.clientService !== '' && e.serverService !== '';
}
