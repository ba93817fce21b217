import { describe, expect, it } from 'vitest';
import { closest, editDistance, unknownKeyMessage } from './suggest.js';

describe('suggestions', () => {
  it('counts insertions, deletions, substitutions and transpositions as one edit each', () => {
    expect(editDistance('verbosity', 'verbosty')).toBe(1);
    expect(editDistance('timeout', 'timeuot')).toBe(1);
    expect(editDistance('exporters', 'exportrs')).toBe(1);
    expect(editDistance('batch', 'patch')).toBe(1);
    expect(editDistance('abc', 'xyz')).toBe(3);
  });

  it('suggests only within two edits, and not for any short word', () => {
    expect(closest('recievers', ['receivers', 'processors'])).toBe('receivers');
    expect(closest('servce', ['receivers', 'service'])).toBe('service');
    expect(closest('pluginz', ['plugins'])).toBe('plugins');
    expect(closest('endpoint_url', ['endpoint'])).toBeUndefined();
    expect(closest('ab', ['xy'])).toBeUndefined();
  });

  it('lists the valid keys and the likely one', () => {
    expect(unknownKeyMessage('verbosty', ['verbosity', 'sampling_initial'])).toBe(
      'unknown key "verbosty"; valid keys: verbosity, sampling_initial (did you mean "verbosity"?)',
    );
    expect(unknownKeyMessage('zzz', ['verbosity'])).toBe('unknown key "zzz"; valid keys: verbosity');
  });
});
