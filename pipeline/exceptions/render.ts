import type { ExceptionValue, Frame } from './model.js';

/**
 * `exception.stacktrace` text for structured exceptions (innermost cause first), in the format
 * the platform's runtime prints, so tools that read OpenTelemetry errors see what they expect
 * and {@link parseStacktrace} reads it back: CPython tracebacks, JVM traces, Go goroutine stacks,
 * and V8's format for JavaScript and everything else.
 */
export function renderStacktrace(exceptions: ExceptionValue[], platform: string | undefined): string {
  switch (platform) {
    case 'python':
      return exceptions.map(renderPython).join('\n\nThe above exception was the direct cause of the following exception:\n\n');
    case 'java':
      return renderJava(exceptions);
    case 'go':
      return renderGo(exceptions[exceptions.length - 1]);
    default:
      // V8 prints no causes (`error.stack` is the error's own); the structured chain keeps them.
      return renderV8(exceptions[exceptions.length - 1]);
  }
}

/** The exception's class as OpenTelemetry names it: qualified with its module where one is known. */
export function qualifiedType(e: ExceptionValue): string | undefined {
  if (!e.type) return undefined;
  return e.module && e.module !== 'builtins' ? `${e.module}.${e.type}` : e.type;
}

function headline(e: ExceptionValue): string {
  const type = qualifiedType(e) ?? 'Error';
  return e.value ? `${type}: ${e.value}` : type;
}

const framesOf = (e: ExceptionValue): Frame[] => e.stacktrace?.frames ?? [];

function renderPython(e: ExceptionValue): string {
  const lines = ['Traceback (most recent call last):'];
  for (const f of framesOf(e)) {
    lines.push(`  File "${f.abs_path ?? f.filename ?? '<unknown>'}", line ${f.lineno ?? 0}, in ${f.function ?? '<module>'}`);
    if (f.context_line) lines.push(`    ${f.context_line.trim()}`);
  }
  lines.push(headline(e));
  return lines.join('\n');
}

function javaFrame(f: Frame): string {
  const where = f.filename ? (f.lineno ? `${f.filename}:${f.lineno}` : f.filename) : 'Unknown Source';
  return `\tat ${f.module ?? 'unknown'}.${f.function ?? 'unknown'}(${where})`;
}

/** Outermost exception first, each cause after `Caused by:`, every frame printed (no `... N more`). */
function renderJava(exceptions: ExceptionValue[]): string {
  return [...exceptions]
    .reverse()
    .map((e, i) => [`${i ? 'Caused by: ' : ''}${headline(e)}`, ...[...framesOf(e)].reverse().map(javaFrame)].join('\n'))
    .join('\n');
}

function renderGo(e: ExceptionValue): string {
  const lines = e.value ? [`${e.type ?? 'panic'}: ${e.value}`, ''] : [];
  lines.push('goroutine 1 [running]:');
  for (const f of [...framesOf(e)].reverse()) {
    lines.push(`${f.module ? `${f.module}.` : ''}${f.function ?? 'unknown'}(...)`, `\t${f.abs_path ?? f.filename ?? 'unknown'}:${f.lineno ?? 0}`);
  }
  return lines.join('\n');
}

function renderV8(e: ExceptionValue): string {
  const lines = [headline(e)];
  for (const f of [...framesOf(e)].reverse()) {
    const file = f.abs_path ?? f.filename;
    const where = file ? [file, f.lineno, f.lineno !== undefined ? f.colno : undefined].filter((x) => x !== undefined).join(':') : 'native';
    lines.push(f.function ? `    at ${f.function} (${where})` : `    at ${where}`);
  }
  return lines.join('\n');
}
