/**
 * Which mapper turns which envelope item type into telemetry. A type without a mapper here is
 * accepted, counted and not stored (see the README); adding a mapper is one entry.
 */
import { mapClientReport } from './client-report.js';
import { mapEvent } from './event.js';
import { mapLogs } from './log.js';
import { mapSession, mapSessions } from './session.js';
import { mapSpans } from './span.js';
import { mapTransaction } from './transaction.js';
import type { ItemMapper } from './types.js';

export const ITEM_MAPPERS: ReadonlyMap<string, ItemMapper> = new Map<string, ItemMapper>([
  ['event', mapEvent],
  ['transaction', mapTransaction],
  ['span', mapSpans],
  ['log', mapLogs],
  ['session', mapSession],
  ['sessions', mapSessions],
  ['client_report', mapClientReport],
]);
