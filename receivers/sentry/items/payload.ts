/**
 * Reading a Sentry item payload, shared by the item mappers: typed field access that names the
 * field of a bad value in an {@link ItemError}, Sentry timestamps to exact nanoseconds, trace and
 * span ids, JSON values to AnyValue, and the resource every mapped item carries.
 *
 * Error messages say what was expected and what kind of value was found, never the value itself:
 * the receiver sends them back to whoever sent the envelope.
 */
import { newScope } from '../../../pipeline/builders.js';
import type { AnyValue, Attributes, InstrumentationScope, Resource } from '../../../pipeline/model.js';
import { MAX_VALUE_DEPTH } from '../../../pipeline/otlpjson/index.js';
import { ItemError, type ItemContext } from './types.js';

type JsonObject = Record<string, unknown>;

/** A JSON value by kind: strings by length only. */
function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return v.length === 0 ? 'an empty string' : `a string of ${v.length} characters`;
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a fractional number';
  return typeof v === 'boolean' ? 'a boolean' : typeof v;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `parent.key`, or `key` at the top. */
export function fieldPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

export function expected(path: string, what: string, got: unknown): ItemError {
  return new ItemError(path || '(payload)', `expected ${what}, got ${describe(got)}`);
}

/**
 * A typed view of one JSON object of the payload. `null` reads as absent, as in Sentry's
 * protocol; a present value of the wrong type is an {@link ItemError} naming its path.
 */
export class Fields {
  constructor(
    readonly obj: JsonObject,
    readonly path: string,
  ) {}

  static of(v: unknown, path: string): Fields {
    if (!isObject(v)) throw expected(path, 'an object', v);
    return new Fields(v, path);
  }

  at(key: string): string {
    return fieldPath(this.path, key);
  }

  has(key: string): boolean {
    const v = this.obj[key];
    return v !== undefined && v !== null;
  }

  raw(key: string): unknown {
    const v = this.obj[key];
    return v === null ? undefined : v;
  }

  missing(key: string, what: string): ItemError {
    return new ItemError(this.at(key), `missing: ${what} is required`);
  }

  str(key: string): string | undefined {
    const v = this.raw(key);
    if (v === undefined || typeof v === 'string') return v;
    throw expected(this.at(key), 'a string', v);
  }

  reqStr(key: string): string {
    const v = this.str(key);
    if (v === undefined) throw this.missing(key, 'a string');
    return v;
  }

  num(key: string): number | undefined {
    const v = this.raw(key);
    if (v === undefined || typeof v === 'number') return v;
    throw expected(this.at(key), 'a number', v);
  }

  bool(key: string): boolean | undefined {
    const v = this.raw(key);
    if (v === undefined || typeof v === 'boolean') return v;
    throw expected(this.at(key), 'a boolean', v);
  }

  /** A whole number from 0 to `max`, as counts in Sentry's protocol are. */
  count(key: string, max: number): number | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    return countValue(v, this.at(key), max);
  }

  object(key: string): Fields | undefined {
    const v = this.raw(key);
    return v === undefined ? undefined : Fields.of(v, this.at(key));
  }

  arr(key: string): unknown[] | undefined {
    const v = this.raw(key);
    if (v === undefined || Array.isArray(v)) return v;
    throw expected(this.at(key), 'an array', v);
  }

  time(key: string): bigint | undefined {
    const v = this.raw(key);
    return v === undefined ? undefined : timestampNs(v, this.at(key));
  }

  reqTime(key: string): bigint {
    const t = this.time(key);
    if (t === undefined) throw this.missing(key, 'a timestamp');
    return t;
  }
}

export function countValue(v: unknown, path: string, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
    throw expected(path, `a whole number from 0 to ${max}`, v);
  }
  return v;
}

// ---------- timestamps ----------

const NS_PER_S = 1_000_000_000n;
/** OTLP times are fixed64 nanoseconds: nothing before 1970 or after 2554 fits. */
const MAX_NS = 2n ** 64n - 1n;

/**
 * `digits` × 10^`exp10` nanoseconds, digits beyond the nanosecond dropped. Working on the
 * decimal text keeps what the SDK wrote: 1796230286.8571873 is 1796230286857187300 ns, where
 * multiplying the double by 1e9 would be off by up to 256 ns.
 */
function decimalToNs(intPart: string, frac: string, exp: number): bigint {
  const digits = BigInt(intPart + frac);
  const shift = 9 + exp - frac.length;
  return shift >= 0 ? digits * 10n ** BigInt(shift) : digits / 10n ** BigInt(-shift);
}

const DECIMAL = /^(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Seconds since the epoch as a JSON number, exactly as its shortest decimal text reads. */
function secondsToNs(v: number, path: string): bigint {
  if (!Number.isFinite(v) || v < 0) throw expected(path, 'seconds since 1970 (a non-negative number)', v);
  const m = DECIMAL.exec(String(v));
  if (!m) throw expected(path, 'seconds since 1970', v);
  return decimalToNs(m[1], m[2] ?? '', Number(m[3] ?? 0));
}

// RFC 3339, and what Relay's parser also takes: a space for `T`, `+hhmm` zones, no zone (UTC).
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

function rfc3339ToNs(s: string, path: string): bigint {
  const m = RFC3339.exec(s);
  if (!m) throw expected(path, 'an RFC 3339 timestamp or seconds since 1970', s);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  // setUTCFullYear, unlike Date.UTC, does not read years below 100 as 19xx
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  // a date that rolled over (Feb 30 became March 2) is not a date
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 60) {
    throw expected(path, 'an RFC 3339 timestamp with a valid date and time', s);
  }
  const ms = date.getTime() + ((hour * 60 + minute) * 60 + second) * 1000;
  let offsetMinutes = 0;
  if (m[9]) {
    const sign = m[9] === '-' ? -1 : 1;
    offsetMinutes = sign * (Number(m[10]) * 60 + Number(m[11]));
  }
  const wholeSeconds = BigInt(ms / 1000 - offsetMinutes * 60);
  const frac = (m[7] ?? '').slice(0, 9).padEnd(9, '0');
  return wholeSeconds * NS_PER_S + BigInt(frac);
}

/** A Sentry timestamp — seconds since 1970 as a number, or RFC 3339 text — in nanoseconds. */
export function timestampNs(v: unknown, path: string): bigint {
  let ns: bigint;
  if (typeof v === 'number') ns = secondsToNs(v, path);
  else if (typeof v === 'string') ns = rfc3339ToNs(v, path);
  else throw expected(path, 'a timestamp (seconds since 1970, or RFC 3339 text)', v);
  if (ns < 0n || ns > MAX_NS) throw expected(path, 'a time from 1970 to 2554', v);
  return ns;
}

// ---------- ids ----------

function hexId(v: unknown, path: string, length: number, what: string): string {
  if (typeof v !== 'string' || v.length !== length || !/^[0-9a-fA-F]+$/.test(v)) {
    throw expected(path, `${what} of ${length} hex digits`, v);
  }
  if (/^0+$/.test(v)) throw new ItemError(path, `expected ${what} of ${length} hex digits, got all zeros (an invalid id)`);
  return v.toLowerCase();
}

/** A W3C trace id: 32 hex digits, not all zero (Relay's rule); lowercased as the model keeps them. */
export function traceId(v: unknown, path: string): string {
  return hexId(v, path, 32, 'a trace id');
}

/** A W3C span id: 16 hex digits, not all zero. */
export function spanId(v: unknown, path: string): string {
  return hexId(v, path, 16, 'a span id');
}

/** The id at `key`, read by `read` (traceId or spanId): `fallback` when absent, else refused. */
export function idAt(f: Fields, key: string, read: (v: unknown, path: string) => string, fallback?: string): string {
  if (f.has(key)) return read(f.raw(key), f.at(key));
  if (fallback === undefined) throw f.missing(key, 'an id');
  return fallback;
}

// ---------- values ----------

/**
 * A JSON value as an AnyValue: whole numbers become int64 (JSON cannot tell 1.0 from 1), objects
 * kvlists; nesting is bounded as OTLP/JSON's is, so a hostile payload cannot exhaust the stack of
 * every component that walks the value.
 */
function jsonToAnyValue(v: unknown, path: string, depth = 0): AnyValue {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isSafeInteger(v) ? BigInt(v) : v;
  }
  if (depth >= MAX_VALUE_DEPTH) throw new ItemError(path, `values nest at most ${MAX_VALUE_DEPTH} levels deep`);
  if (Array.isArray(v)) return v.map((x, i) => jsonToAnyValue(x, fieldPath(path, i), depth + 1));
  if (isObject(v)) return jsonObjectToAttributes(v, path, depth + 1);
  throw expected(path, 'a JSON value', v);
}

/** Each member as an attribute; `null` members are left out (Sentry's "not set"). */
export function jsonObjectToAttributes(o: JsonObject, path: string, depth = 0): Attributes {
  const out: Attributes = new Map();
  for (const [k, v] of Object.entries(o)) {
    if (v === null || v === undefined) continue;
    out.set(k, jsonToAnyValue(v, fieldPath(path, k), depth));
  }
  return out;
}

// ---------- typed attributes ----------

const INT64 = /^-?\d{1,19}$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function int64(v: unknown, path: string): bigint {
  // Relay also takes integers as decimal text: JSON numbers lose digits beyond 2^53
  const n = typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : typeof v === 'string' && INT64.test(v) ? BigInt(v) : undefined;
  if (n === undefined || n < INT64_MIN || n > INT64_MAX) throw expected(path, 'an integer (int64, as a number or decimal text)', v);
  return n;
}

/**
 * A typed attribute of Sentry's logs and v2 spans, `{value, type}`, as an AnyValue of that type.
 * An unknown type (Sentry adds them: `array` came later) is kept as its JSON value; a `unit` is
 * not kept.
 */
function typedValue(raw: unknown, path: string): AnyValue {
  const a = Fields.of(raw, path);
  const value = a.raw('value');
  const valuePath = a.at('value');
  switch (a.str('type')) {
    case 'string':
      if (typeof value !== 'string') throw expected(valuePath, 'a string (type string)', value);
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw expected(valuePath, 'a boolean (type boolean)', value);
      return value;
    case 'integer':
      return int64(value, valuePath);
    case 'double':
      if (typeof value !== 'number') throw expected(valuePath, 'a number (type double)', value);
      return value;
    default:
      return jsonToAnyValue(value, valuePath);
  }
}

/** Attributes SDKs stamp on every log and span that describe the service: they go to the resource. */
const SERVICE_ATTRIBUTES: Record<string, keyof ServiceFields> = {
  'sentry.release': 'release',
  'sentry.environment': 'environment',
  'sentry.sdk.name': 'sdkName',
  'sentry.sdk.version': 'sdkVersion',
};

/** Typed attributes, less those describing the service, which are written to `service`. */
export function typedAttributes(attrs: Fields | undefined, service: ServiceFields): Attributes {
  const out: Attributes = new Map();
  if (!attrs) return out;
  for (const key of Object.keys(attrs.obj)) {
    const raw = attrs.raw(key);
    if (raw === undefined) continue;
    const v = typedValue(raw, attrs.at(key));
    const serviceField = SERVICE_ATTRIBUTES[key];
    if (serviceField !== undefined && typeof v === 'string') service[serviceField] = v;
    else out.set(key, v);
  }
  return out;
}

// ---------- resource ----------

/** What a Sentry payload says about the service that sent it. */
export interface ServiceFields {
  release?: string;
  environment?: string;
  sdkName?: string;
  sdkVersion?: string;
}

/** `{name, version}` of the `sdk` object of an event, else of the envelope header. */
export function sdkOf(payloadSdk: Fields | undefined, ctx: ItemContext): { sdkName?: string; sdkVersion?: string } {
  const header = ctx.envelopeHeader.sdk;
  const sdk = payloadSdk ?? (isObject(header) ? new Fields(header, 'envelope header sdk') : undefined);
  if (!sdk) return {};
  return { sdkName: sdk.str('name'), sdkVersion: sdk.str('version') };
}

const OTEL_DEFAULT_SERVICE = /^unknown_service(:|$)/;

/** `grouping` reads the project of an error from this attribute first (then service.name). */
export const SENTRY_PROJECT_ID = 'sentry.project.id';

/** The instrumentation scope of everything the sentry receiver makes. */
export function sentryScope(): InstrumentationScope {
  return newScope('sentry');
}

/**
 * The resource of what a Sentry SDK sent: `service.name` is the project's name unless `base` (the
 * OpenTelemetry resource an OTel-based SDK reports) names the service; release, environment, SDK
 * and project as the semantic conventions name them.
 */
export function sentryResource(ctx: ItemContext, f: ServiceFields, base: Attributes = new Map()): Resource {
  const attributes: Attributes = new Map(base);
  const baseName = base.get('service.name');
  if (typeof baseName !== 'string' || baseName === '' || OTEL_DEFAULT_SERVICE.test(baseName)) {
    attributes.set('service.name', ctx.projectName);
  }
  if (f.release) attributes.set('service.version', f.release);
  if (f.environment) attributes.set('deployment.environment.name', f.environment);
  attributes.set(SENTRY_PROJECT_ID, ctx.projectId);
  if (f.sdkName) attributes.set('telemetry.sdk.name', f.sdkName);
  if (f.sdkVersion) attributes.set('telemetry.sdk.version', f.sdkVersion);
  return { attributes, droppedAttributesCount: 0 };
}

/** Items grouped by the service they describe, in the order each service first came. */
export class ByService<T> {
  private readonly groups = new Map<string, { service: ServiceFields; items: T[] }>();

  add(service: ServiceFields, item: T): void {
    const key = JSON.stringify([service.release, service.environment, service.sdkName, service.sdkVersion]);
    const group = this.groups.get(key);
    if (group) group.items.push(item);
    else this.groups.set(key, { service, items: [item] });
  }

  get size(): number {
    return this.groups.size;
  }

  map<R>(f: (service: ServiceFields, items: T[]) => R): R[] {
    return [...this.groups.values()].map((g) => f(g.service, g.items));
  }
}
