/**
 * Which records are errors, and each error as the Sentry event grouping works on: the Sentry
 * event in a log record's body, or an OpenTelemetry error (`exception.*` attributes of a log
 * record or of a span event named `exception`) with the context Sentry would have had
 * (release, environment, logger, level, transaction) taken from the record, scope and resource.
 */
import { errorEventFromAnyValue } from '../../pipeline/exceptions/body.js';
import { SENTRY_EVENT_NAME, type OccurrenceSource } from '../../pipeline/exceptions/issues.js';
import type { ErrorEvent } from '../../pipeline/exceptions/model.js';
import { EXCEPTION_EVENT_NAME, errorEventFromOtel, otelException, PROCESS_COMMAND, SDK_LANGUAGE, type OtelException } from '../../pipeline/exceptions/otel.js';
import type { AnyValue, Attributes, LogRecord } from '../../pipeline/model.js';

export interface ErrorOccurrence {
  event: ErrorEvent;
  /** Where the issue attributes go. */
  attributes: Attributes;
  timeUnixNano: bigint;
  source: OccurrenceSource;
}

const str = (v: AnyValue | undefined) => (typeof v === 'string' && v !== '' ? v : undefined);

/** The error a log record carries, if any: its Sentry event body first, else its exception.* attributes. */
export function logError(source: Extract<OccurrenceSource, { kind: 'log' }>): ErrorOccurrence | undefined {
  const { record, resource, scope } = source;
  const time = record.timeUnixNano || record.observedTimeUnixNano;
  if (record.eventName === SENTRY_EVENT_NAME) {
    const event = errorEventFromAnyValue(record.body);
    if (event) return { event, attributes: record.attributes, timeUnixNano: time, source };
  }
  const ex = otelException(record.attributes);
  if (!ex) return undefined;
  const event = withContext(otelErrorEvent(ex, resource.attributes), resource.attributes);
  if (scope.name) event.logger = scope.name;
  const level = logLevel(record);
  if (level) event.level = level;
  return { event, attributes: record.attributes, timeUnixNano: time, source };
}

/** The error a span event named `exception` carries; the span's name is its transaction, as in Sentry. */
export function spanEventError(source: Extract<OccurrenceSource, { kind: 'span_event' }>): ErrorOccurrence | undefined {
  const { span, event: spanEvent, resource } = source;
  if (spanEvent.name !== EXCEPTION_EVENT_NAME) return undefined;
  const ex = otelException(spanEvent.attributes);
  if (!ex) return undefined;
  const event = withContext(otelErrorEvent(ex, resource.attributes), resource.attributes);
  event.level = 'error';
  if (span.name) event.transaction = span.name;
  return { event, attributes: spanEvent.attributes, timeUnixNano: spanEvent.timeUnixNano || span.endTimeUnixNano, source };
}

function otelErrorEvent(ex: OtelException, resource: Attributes): ErrorEvent {
  return errorEventFromOtel(ex, str(resource.get(SDK_LANGUAGE)), str(resource.get(PROCESS_COMMAND)));
}

function withContext(event: ErrorEvent, resource: Attributes): ErrorEvent {
  const release = str(resource.get('service.version'));
  if (release) event.release = release;
  const environment = str(resource.get('deployment.environment.name')) ?? str(resource.get('deployment.environment'));
  if (environment) event.environment = environment;
  return event;
}

/** Sentry's level for an OpenTelemetry severity (the text if it is one of Sentry's, else the number's range). */
function logLevel(record: LogRecord): string | undefined {
  const text = record.severityText.toLowerCase();
  if (['fatal', 'error', 'warning', 'info', 'debug'].includes(text)) return text;
  if (text === 'warn') return 'warning';
  const n = record.severityNumber;
  if (n >= 21) return 'fatal';
  if (n >= 17) return 'error';
  if (n >= 13) return 'warning';
  if (n >= 9) return 'info';
  return n >= 1 ? 'debug' : undefined;
}
