/**
 * Which mapper turns which envelope item type into telemetry. A type without a mapper here is
 * accepted, counted and not stored (see the README); adding a mapper is one entry.
 */
import { mapEvent } from './event.js';
import type { ItemMapper } from './types.js';

export const ITEM_MAPPERS: ReadonlyMap<string, ItemMapper> = new Map<string, ItemMapper>([
  ['event', mapEvent],
]);
