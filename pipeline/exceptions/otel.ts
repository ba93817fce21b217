import type { AnyValue, Attributes } from '../model.js';
import type { ErrorEvent, ExceptionValue } from './model.js';
import { parseStacktrace } from './parse/index.js';
import { nodeAppModule } from './parse/v8.js';
import { qualifiedType, renderStacktrace } from './render.js';

/** OpenTelemetry semantic conventions for errors (log records, and span events named `exception`). */
export const EXCEPTION_TYPE = 'exception.type';
export const EXCEPTION_MESSAGE = 'exception.message';
export const EXCEPTION_STACKTRACE = 'exception.stacktrace';
export const EXCEPTION_EVENT_NAME = 'exception';
export const SDK_LANGUAGE = 'telemetry.sdk.language';

export interface OtelException {
  type?: string;
  message?: string;
  stacktrace?: string;
}

/** The `exception.*` attributes, or undefined when there are none (the record is no error). */
export function otelException(attributes: Attributes): OtelException | undefined {
  const type = text(attributes.get(EXCEPTION_TYPE));
  const message = text(attributes.get(EXCEPTION_MESSAGE));
  const stacktrace = text(attributes.get(EXCEPTION_STACKTRACE));
  if (type === undefined && message === undefined && stacktrace === undefined) return undefined;
  const ex: OtelException = {};
  if (type !== undefined) ex.type = type;
  if (message !== undefined) ex.message = message;
  if (stacktrace !== undefined) ex.stacktrace = stacktrace;
  return ex;
}

function text(v: AnyValue | undefined): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The OpenTelemetry Node.js SDK's process detector sets it to the entry script (`process.argv[1]`). */
export const PROCESS_COMMAND = 'process.command';

/** `telemetry.sdk.language` values → Sentry platforms. */
const LANGUAGE_PLATFORM: Record<string, string> = {
  nodejs: 'node',
  webjs: 'javascript',
  python: 'python',
  java: 'java',
  go: 'go',
  dotnet: 'csharp',
  ruby: 'ruby',
  php: 'php',
  cpp: 'native',
  rust: 'native',
  swift: 'cocoa',
  erlang: 'elixir',
};

/** Platforms whose exception types are qualified class names (`java.lang.IllegalStateException`). */
const QUALIFIED_TYPES = new Set(['java', 'python', 'csharp']);

/**
 * The error as a Sentry event sees it: the stack text parsed into exceptions and frames, the
 * platform from the SDK language (or, without one, from the stack's format). The attributes'
 * type and message describe the exception that was raised (the last one); a qualified type is
 * split as the SDKs report it (`java.lang.IllegalStateException` → `IllegalStateException` in
 * module `java.lang`).
 */
export function errorEventFromOtel(ex: OtelException, sdkLanguage?: string, entryScript?: string): ErrorEvent {
  const parsed = ex.stacktrace ? parseStacktrace(ex.stacktrace) : undefined;
  const platform = (sdkLanguage && LANGUAGE_PLATFORM[sdkLanguage]) || parsed?.platform || 'other';
  const exceptions: ExceptionValue[] = parsed?.exceptions ?? [{}];
  if (platform === 'node' && entryScript?.startsWith('/')) withNodeModules(exceptions, entryScript.slice(0, entryScript.lastIndexOf('/')));
  const main = exceptions[exceptions.length - 1];
  if (ex.type !== undefined) {
    const dot = QUALIFIED_TYPES.has(platform) ? ex.type.lastIndexOf('.') : -1;
    main.type = ex.type.slice(dot + 1);
    if (dot > 0) main.module = ex.type.slice(0, dot);
    else delete main.module;
  }
  if (ex.message !== undefined) main.value = ex.message;
  return { platform, exception: { values: exceptions } };
}

/** The other direction, for a receiver of Sentry events: the `exception.*` attributes of an event. */
export function otelExceptionFromEvent(event: ErrorEvent): OtelException | undefined {
  const values = event.exception?.values ?? [];
  const main = values[values.length - 1];
  if (!main) return undefined;
  const ex: OtelException = {};
  const type = QUALIFIED_TYPES.has(event.platform ?? '') ? qualifiedType(main) : main.type;
  if (type) ex.type = type;
  if (main.value) ex.message = main.value;
  if (values.some((e) => e.stacktrace?.frames.length)) ex.stacktrace = renderStacktrace(values, event.platform);
  return ex;
}

/** Every frame's module as @sentry/node names it, now that the entry script's directory is known. */
function withNodeModules(exceptions: ExceptionValue[], appDir: string): void {
  for (const e of exceptions) for (const f of e.stacktrace?.frames ?? []) if (f.filename) f.module = nodeAppModule(f.filename, appDir);
}
