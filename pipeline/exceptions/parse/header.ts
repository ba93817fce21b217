/** The `Type: message` line(s) runtimes print above a stack. */
export interface Header {
  type?: string;
  value?: string;
}

/**
 * Splits `TypeError: x is not a function` into type and message. The type is one word (a class
 * name), else the whole text is the message: `Uncaught oops` has no type. V8 prints Node's
 * error codes after the name (`TypeError [ERR_INVALID_ARG_TYPE]: ...`); the SDKs report the
 * name alone, so the code is dropped.
 */
export function splitHeader(text: string): Header {
  const trimmed = text.trim();
  if (!trimmed) return {};
  const m = /^([^\s:]+)(?: \[[^\]\s]+\])?(?::(?: |$)|$)/.exec(trimmed);
  if (!m) return { value: trimmed };
  const value = trimmed.slice(m[0].length);
  return value ? { type: m[1], value } : { type: m[1] };
}
