/** Plain-words renderings of values and types for config messages. */
import { redactUrl } from '../pipeline/redact.js';

const TYPE_WORDS: Record<string, string> = {
  object: 'a map',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  null: 'null',
};

export function typeWords(types: string | readonly string[]): string {
  const list = (Array.isArray(types) ? types : String(types).split(',')) as string[];
  return joinOr(list.map((t) => TYPE_WORDS[t] ?? t));
}

export function joinOr(words: readonly string[]): string {
  if (words.length <= 1) return words[0] ?? '';
  return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

/**
 * `number 5`, `string "abc"`, `a list`… With `hide`, only the kind is named, so a misplaced
 * secret never ends up in an error message or a log; a URL's userinfo is never shown.
 */
export function describeValue(v: unknown, hide = false): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  const kind = typeof v === 'bigint' ? 'number' : typeof v;
  if (hide) return kind === 'string' ? 'a string' : `a ${kind}`;
  if (typeof v === 'string') {
    // redacted before shortening, which could cut a URL between its password and its `@`
    const text = redactUrl(v);
    return `string ${JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text)}`;
  }
  return `${kind} ${String(v)}`;
}

/** Enum members as an operator would type them: bare words, JSON for anything else. */
export function formatChoices(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
}
