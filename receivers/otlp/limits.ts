import { v8HeapLimit } from '../../pipeline/heap-limit.js';
import { DecodeLimitError, type DecodeLimits } from '../../pipeline/decode-limits.js';
import type { PipelineSignal } from '../../pipeline/model.js';
import { RPC_CODE } from './codec.js';

/**
 * The fewest bytes per item, and per value, that a full-size request from a real sender
 * averages (see README.md, "Decoded size"): the smallest real items are data points of a
 * timestamp and a value (20 bytes), the smallest real values array elements of a bool or a
 * small int (4 bytes) among attributes of 8 or more. Empty records (2 bytes, ~450 bytes of
 * heap each) are what stays below.
 */
const MIN_ITEM_BYTES = 16;
const MIN_VALUE_BYTES = 8;

/**
 * Heap bytes one decoded item, and one value, cost at most (an empty span ~450, an empty
 * kvlist or bytes value ~200), and the share of the heap one request may take: on a small
 * heap a request within the size-derived limits could still outgrow it.
 */
const ITEM_HEAP_BYTES = 512;
const VALUE_HEAP_BYTES = 256;
const HEAP_SHARE = 1 / 4;
/**
 * The most items, and values, a request may decode into by default whatever its size limit:
 * every item costs tens of microseconds of CPU through a pipeline (decoding, processors,
 * exporters' rows; ~30 µs for a minimal metric through the default pipeline), so 1,310,720
 * minimal items (what 20 MiB allowed) held Summit busy for most of a minute. Upstream has no
 * such limit; its senders batch far below it: SDKs 512 items a request, the Collector's batch
 * processor 8192.
 */
const MAX_DEFAULT_ITEMS = 65_536;
const MAX_DEFAULT_VALUES = 16 * MAX_DEFAULT_ITEMS;

/** The share of the heap the requests in flight on one protocol may hold (see in-flight.ts). */
const IN_FLIGHT_HEAP_SHARE = 1 / 8;

/**
 * The receiver's per-request decode limits: as configured, or the smallest of what its size
 * limit admits from real senders, what a quarter of the heap holds and the default maximum.
 */
export function decodeLimitsFor(
  maxBytes: number,
  configured: { max_request_items?: number; max_request_values?: number },
  heapLimit = v8HeapLimit(),
): DecodeLimits {
  const heapShare = heapLimit * HEAP_SHARE;
  return {
    maxItems: configured.max_request_items ?? Math.floor(Math.min(maxBytes / MIN_ITEM_BYTES, heapShare / ITEM_HEAP_BYTES, MAX_DEFAULT_ITEMS)),
    maxValues: configured.max_request_values ?? Math.floor(Math.min(maxBytes / MIN_VALUE_BYTES, heapShare / VALUE_HEAP_BYTES, MAX_DEFAULT_VALUES)),
  };
}

const CONTAINERS = 'JSON objects and arrays, more than a request within the items and values limits holds';

const COUNTED: Record<DecodeLimitError['limit'], Record<PipelineSignal, string>> = {
  items: {
    traces: 'spans, span events and links, resource and scope entries',
    metrics: 'metrics, data points, exemplars, resource and scope entries',
    logs: 'log records, resource and scope entries',
    profiles: 'profiles, resource and scope entries',
  },
  values: {
    traces: 'attributes and array values',
    metrics: 'attributes, array values and summary quantiles',
    logs: 'attributes and array values',
    profiles: 'attributes, array values, samples and dictionary table entries',
  },
  containers: { traces: CONTAINERS, metrics: CONTAINERS, logs: CONTAINERS, profiles: CONTAINERS },
};

export interface DecodeFailure {
  /** 413 for a request over a decode limit (like one over the size limit), 400 for malformed data. */
  status: 400 | 413;
  code: (typeof RPC_CODE)[keyof typeof RPC_CODE];
  message: string;
}

/**
 * What the sender is told about a request that did not decode. Decoder errors name byte offsets
 * or JSON paths and what was expected, never request content; the length is bounded too, as a
 * path through 100 nested values runs to kilobytes.
 */
export function decodeFailure(signal: PipelineSignal, err: unknown, configPrefix: string): DecodeFailure {
  if (err instanceof DecodeLimitError) {
    const limit =
      err.limit === 'containers'
        ? `the limits are ${configPrefix}.max_request_items and ${configPrefix}.max_request_values`
        : `the limit is ${configPrefix}.max_request_${err.limit}`;
    const message = `${signal} request refused: more than ${err.max} ${err.limit} (${COUNTED[err.limit][signal]}) ${err.where}; ${limit}`;
    return { status: 413, code: RPC_CODE.RESOURCE_EXHAUSTED, message: bounded(message) };
  }
  return { status: 400, code: RPC_CODE.INVALID_ARGUMENT, message: bounded(`cannot decode ${signal} request: ${(err as Error)?.message ?? String(err)}`) };
}

const MAX_MESSAGE = 512;

/** Long messages keep their start and their end (where a JSON path names the field). */
function bounded(message: string): string {
  if (message.length <= MAX_MESSAGE) return message;
  const half = (MAX_MESSAGE - 3) / 2;
  return `${message.slice(0, Math.floor(half))}...${message.slice(-Math.ceil(half))}`;
}

/** Records the requests in flight on one protocol may hold: as configured, or an eighth of the heap's worth. */
export function inFlightLimitFor(configured: { max_items_in_flight?: number }, heapLimit = v8HeapLimit()): number {
  return configured.max_items_in_flight ?? Math.floor((heapLimit * IN_FLIGHT_HEAP_SHARE) / ITEM_HEAP_BYTES);
}
