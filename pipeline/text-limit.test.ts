import { describe, expect, it } from 'vitest';
import { cutText, truncationMarker, utf8LongerThan, utf8Prefix } from './text-limit.js';

describe('text limits', () => {
  it('count UTF-8 bytes, not characters', () => {
    expect(utf8LongerThan('abcd', 4)).toBe(false);
    expect(utf8LongerThan('abcde', 4)).toBe(true);
    expect(utf8LongerThan('éé', 4)).toBe(false);
    expect(utf8LongerThan('ééé', 4)).toBe(true);
    expect(utf8LongerThan('🦆', 3)).toBe(true);
  });

  it('cut at a character boundary, never inside a multi-byte character or a surrogate pair', () => {
    expect(utf8Prefix('a€€€', 8)).toBe('a€€');
    expect(utf8Prefix('a🦆🦆', 8)).toBe('a🦆');
    expect(utf8Prefix('short', 64)).toBe('short');
    expect(cutText('x'.repeat(10), 4)).toBe(`xxxx${truncationMarker(10)}`);
    expect(cutText('fits', 4)).toBe('fits');
  });
});
