import { anyValueToPlain as toPlain } from '../anyvalue.js';
import type { AnyValue } from '../model.js';
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
  const exceptions = list(valuesOf(body.get('exception') ?? body.get('sentry.interfaces.Exception'))).flatMap((e) => exceptionOf(e) ?? []);
  if (exceptions.length) event.exception = { values: exceptions };
  const threads = list(valuesOf(body.get('threads'))).flatMap((t) => threadOf(t) ?? []);
  if (threads.length) event.threads = { values: threads };
  const stacktrace = stacktraceOf(body.get('stacktrace') ?? body.get('sentry.interfaces.Stacktrace'));
  if (stacktrace) event.stacktrace = stacktrace;
  const logentry = logentryOf(body.get('logentry') ?? body.get('sentry.interfaces.Message')) ?? logentryOf(body.get('message'));
  if (logentry) event.logentry = logentry;
  const fingerprint = list(body.get('fingerprint')).flatMap((v) => scalarText(v) ?? []);
  if (fingerprint.length) event.fingerprint = fingerprint;
  const sdk = obj(body.get('sdk'));
  if (sdk) event.sdk = pick(sdk, { name: str, version: str });
  const tags = tagsOf(body.get('tags'));
  if (tags.length) event.tags = tags;
  const request = obj(body.get('request') ?? body.get('sentry.interfaces.Http'));
  const url = request && str(request.get('url'));
  if (url) event.request = { url };
  const template = obj(body.get('template') ?? body.get('sentry.interfaces.Template'));
  if (template) event.template = pick(template, { filename: str, abs_path: str, context_line: str, lineno: num });
  return event;
}

function exceptionOf(v: AnyValue | undefined): ExceptionValue | undefined {
  const o = obj(v);
  if (!o) return undefined;
  const e: ExceptionValue = pick(o, { type: str, value: scalarText, module: str, thread_id: idOf });
  const mechanism = obj(o.get('mechanism'));
  if (mechanism) e.mechanism = mechanismOf(mechanism);
  const stacktrace = stacktraceOf(o.get('stacktrace'));
  if (stacktrace) e.stacktrace = stacktrace;
  return e;
}

function mechanismOf(o: Obj): Mechanism {
  const m: Mechanism = pick(o, {
    type: str,
    handled: bool,
    synthetic: bool,
    source: str,
    exception_id: num,
    parent_id: num,
    is_exception_group: bool,
  });
  const meta = obj(o.get('meta'));
  if (meta) m.meta = toPlain(meta) as Record<string, unknown>;
  return m;
}

function threadOf(v: AnyValue | undefined): Thread | undefined {
  const o = obj(v);
  if (!o) return undefined;
  const t: Thread = pick(o, { id: idOf, name: str, crashed: bool, current: bool });
  const stacktrace = stacktraceOf(o.get('stacktrace'));
  if (stacktrace) t.stacktrace = stacktrace;
  return t;
}

function stacktraceOf(v: AnyValue | undefined): Stacktrace | undefined {
  const o = obj(v);
  if (!o) return undefined;
  // Sentry drops null frames (`frames: [null, {...}]`) rather than the stack.
  return { frames: list(o.get('frames')).flatMap((f) => frameOf(f) ?? []) };
}

function frameOf(v: AnyValue | undefined): Frame | undefined {
  const o = obj(v);
  if (!o) return undefined;
  const f: Frame = pick(o, {
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
  for (const key of ['pre_context', 'post_context'] as const) {
    const lines = o.get(key);
    if (Array.isArray(lines)) f[key] = lines.map((l) => (typeof l === 'string' ? l : ''));
  }
  for (const key of ['vars', 'data'] as const) {
    const m = obj(o.get(key));
    if (m) f[key] = toPlain(m) as Record<string, unknown>;
  }
  return f;
}

function logentryOf(v: AnyValue | undefined): ErrorEvent['logentry'] | undefined {
  if (typeof v === 'string') return v ? { formatted: v } : undefined;
  const o = obj(v);
  if (!o) return undefined;
  const l: NonNullable<ErrorEvent['logentry']> = pick(o, { message: str, formatted: str });
  const params = o.get('params');
  if (Array.isArray(params)) l.params = params.map(toPlain);
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

function pick<T>(o: Obj, fields: { [K in keyof T]: (v: AnyValue | undefined) => T[K] | undefined }): T {
  const out = {} as T;
  for (const key of Object.keys(fields) as (keyof T & string)[]) {
    const v = fields[key](o.get(key));
    if (v !== undefined) out[key] = v;
  }
  return out;
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
