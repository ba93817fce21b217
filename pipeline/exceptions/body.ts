import type { AnyValue } from '../model.js';
import { fromAnyValue } from '../model-ops.js';
import type { ErrorEvent, ExceptionValue, Frame, Mechanism, Stacktrace, Thread } from './model.js';

type Obj = Map<string, AnyValue>;

/**
 * Reads the error-relevant part of a Sentry event stored as a kvlist (a log record body, the
 * event's JSON object key for key) into {@link ErrorEvent}. It accepts what Sentry's intake
 * accepts: `exception` as `{values: [...]}`, a bare list or one object, the legacy `sentry.interfaces.*`
 * names, `message` as a string or an object, tags as a map or a list of pairs. Fields of the
 * wrong type are dropped, never thrown on: a hostile body yields a smaller event.
 */
export function errorEventFromAnyValue(body: AnyValue): ErrorEvent | undefined {
  if (!(body instanceof Map)) return undefined;
  const event: ErrorEvent = {};
  for (const key of ['event_id', 'platform', 'logger', 'level', 'release', 'environment', 'transaction', 'culprit'] as const) {
    const v = str(body.get(key));
    if (v !== undefined) event[key] = v;
  }
  const exceptions = exceptionsOf(body, true);
  if (exceptions.length) event.exception = { values: exceptions };
  const threads = list(valuesOf(body.get('threads'))).flatMap((t) => threadOf(t) ?? []);
  if (threads.length) event.threads = { values: threads };
  const stacktrace = stacktraceOf(body.get('stacktrace') ?? body.get('sentry.interfaces.Stacktrace'), true);
  if (stacktrace) event.stacktrace = stacktrace;
  const logentry = logentryOf(body.get('logentry') ?? body.get('sentry.interfaces.Message')) ?? logentryOf(body.get('message'));
  if (logentry) event.logentry = logentry;
  const fingerprint = list(body.get('fingerprint')).flatMap((v) => scalarText(v) ?? []);
  if (fingerprint.length) event.fingerprint = fingerprint;
  const sdk = obj(body.get('sdk'));
  if (sdk) event.sdk = pick(sdk, SDK_FIELDS);
  const tags = tagsOf(body.get('tags'));
  if (tags.length) event.tags = tags;
  const request = obj(body.get('request') ?? body.get('sentry.interfaces.Http'));
  const url = request && str(request.get('url'));
  if (url) event.request = { url };
  const template = obj(body.get('template') ?? body.get('sentry.interfaces.Template'));
  if (template) event.template = pick(template, TEMPLATE_FIELDS);
  return event;
}

/**
 * Only what the `exception.*` attributes are rendered from (otelExceptionFromEvent): the platform
 * and the exceptions, their frames without what the rendering does not read and a whole read
 * copies (source context around the line, `vars`, `data`). The receiver needs no more, and
 * grouping reads the whole event again after redaction.
 */
export function exceptionEventFromAnyValue(body: AnyValue): ErrorEvent | undefined {
  if (!(body instanceof Map)) return undefined;
  const event: ErrorEvent = {};
  const platform = str(body.get('platform'));
  if (platform !== undefined) event.platform = platform;
  const exceptions = exceptionsOf(body, false);
  if (exceptions.length) event.exception = { values: exceptions };
  return event;
}

/** `whole`: frames with their source context, vars and data too. */
function exceptionsOf(body: Obj, whole: boolean): ExceptionValue[] {
  return list(valuesOf(body.get('exception') ?? body.get('sentry.interfaces.Exception'))).flatMap((e) => exceptionOf(e, whole) ?? []);
}

function exceptionOf(v: AnyValue | undefined, whole: boolean): ExceptionValue | undefined {
  const o = obj(v);
  if (!o) return undefined;
  const e: ExceptionValue = pick(o, EXCEPTION_FIELDS);
  const mechanism = obj(o.get('mechanism'));
  if (mechanism) e.mechanism = mechanismOf(mechanism);
  const stacktrace = stacktraceOf(o.get('stacktrace'), whole);
  if (stacktrace) e.stacktrace = stacktrace;
  return e;
}

function mechanismOf(o: Obj): Mechanism {
  const m: Mechanism = pick(o, MECHANISM_FIELDS);
  const meta = obj(o.get('meta'));
  if (meta) m.meta = fromAnyValue(meta) as Record<string, unknown>;
  return m;
}

function threadOf(v: AnyValue | undefined): Thread | undefined {
  const o = obj(v);
  if (!o) return undefined;
  const t: Thread = pick(o, THREAD_FIELDS);
  const stacktrace = stacktraceOf(o.get('stacktrace'), true);
  if (stacktrace) t.stacktrace = stacktrace;
  return t;
}

function stacktraceOf(v: AnyValue | undefined, whole: boolean): Stacktrace | undefined {
  const o = obj(v);
  if (!o) return undefined;
  // Sentry drops null frames (`frames: [null, {...}]`) rather than the stack.
  return { frames: list(o.get('frames')).flatMap((f) => frameOf(f, whole) ?? []) };
}

function frameOf(v: AnyValue | undefined, whole: boolean): Frame | undefined {
  const o = obj(v);
  if (!o) return undefined;
  const f: Frame = pick(o, FRAME_FIELDS);
  if (!whole) return f;
  for (const key of ['pre_context', 'post_context'] as const) {
    const lines = o.get(key);
    if (Array.isArray(lines)) f[key] = lines.map((l) => (typeof l === 'string' ? l : ''));
  }
  for (const key of ['vars', 'data'] as const) {
    const m = obj(o.get(key));
    if (m) f[key] = fromAnyValue(m) as Record<string, unknown>;
  }
  return f;
}

function logentryOf(v: AnyValue | undefined): ErrorEvent['logentry'] | undefined {
  if (typeof v === 'string') return v ? { formatted: v } : undefined;
  const o = obj(v);
  if (!o) return undefined;
  const l: NonNullable<ErrorEvent['logentry']> = pick(o, LOGENTRY_FIELDS);
  const params = o.get('params');
  if (Array.isArray(params)) l.params = params.map(fromAnyValue);
  return l.message !== undefined || l.formatted !== undefined ? l : undefined;
}

/** Tags as Sentry stores them, `[key, value]` pairs, from either a map or such a list. */
function tagsOf(v: AnyValue | undefined): [string, string][] {
  if (v instanceof Map) return [...v].flatMap(([k, x]) => (scalarText(x) !== undefined ? [[k, scalarText(x)!] as [string, string]] : []));
  return list(v).flatMap((pair) => {
    if (!Array.isArray(pair) || pair.length !== 2) return [];
    const [k, x] = [scalarText(pair[0]), scalarText(pair[1])];
    return k !== undefined && x !== undefined ? [[k, x] as [string, string]] : [];
  });
}

/** `{values: [...]}` or, as old SDKs send them, the list itself or a lone exception object. */
function valuesOf(v: AnyValue | undefined): AnyValue | undefined {
  if (!(v instanceof Map)) return v;
  return v.has('values') ? v.get('values') : [v];
}

type Readers<T> = { [K in keyof T]: (v: AnyValue | undefined) => T[K] | undefined };
/** The fields of a type to read from a kvlist, each with its reader; built once per type, read per object. */
type Fields<T> = readonly (readonly [keyof T & string, (v: AnyValue | undefined) => unknown])[];

function fields<T>(readers: Readers<T>): Fields<T> {
  return Object.entries(readers) as unknown as Fields<T>;
}

function pick<T>(o: Obj, fields: Fields<T>): T {
  const out = {} as Record<string, unknown>;
  for (const [key, read] of fields) {
    const v = read(o.get(key));
    if (v !== undefined) out[key] = v;
  }
  return out as T;
}

function obj(v: AnyValue | undefined): Obj | undefined {
  return v instanceof Map ? v : undefined;
}

function list(v: AnyValue | undefined): AnyValue[] {
  return Array.isArray(v) ? v : [];
}

function str(v: AnyValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function num(v: AnyValue | undefined): number | undefined {
  if (typeof v === 'bigint') return Number(v);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function bool(v: AnyValue | undefined): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

function idOf(v: AnyValue | undefined): number | string | undefined {
  return num(v) ?? str(v);
}

/** Scalars as the text Sentry turns them into (fingerprint entries, tag values, exception values). */
function scalarText(v: AnyValue | undefined): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** What each part of an event is read as (see pick). */
const SDK_FIELDS = fields<NonNullable<ErrorEvent['sdk']>>({ name: str, version: str });
const TEMPLATE_FIELDS = fields<NonNullable<ErrorEvent['template']>>({ filename: str, abs_path: str, context_line: str, lineno: num });
const EXCEPTION_FIELDS = fields<ExceptionValue>({ type: str, value: scalarText, module: str, thread_id: idOf });
const MECHANISM_FIELDS = fields<Mechanism>({
  type: str,
  handled: bool,
  synthetic: bool,
  source: str,
  exception_id: num,
  parent_id: num,
  is_exception_group: bool,
});
const THREAD_FIELDS = fields<Thread>({ id: idOf, name: str, crashed: bool, current: bool });
const FRAME_FIELDS = fields<Frame>({
  filename: str,
  abs_path: str,
  module: str,
  package: str,
  function: str,
  raw_function: str,
  symbol: str,
  lineno: num,
  colno: num,
  in_app: bool,
  context_line: str,
  platform: str,
  instruction_addr: str,
});
const LOGENTRY_FIELDS = fields<NonNullable<ErrorEvent['logentry']>>({ message: str, formatted: str });
