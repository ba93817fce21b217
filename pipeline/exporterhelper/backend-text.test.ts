import { describe, expect, it } from 'vitest';
import { BACKEND_TEXT_MAX_CHARS, backendTextScrubber } from './backend-text.js';

describe('backendTextScrubber', () => {
  const scrub = backendTextScrubber(['Bearer plainwordsecret', 'tenant-acme-prod', 'gzip']);

  it('removes the configured header values, and the token after an auth scheme on its own', () => {
    expect(scrub('got Bearer plainwordsecret and tenant-acme-prod')).toBe('got [REDACTED] and [REDACTED]');
    expect(scrub('token was plainwordsecret')).not.toContain('plainwordsecret');
    // short configured values are no credentials; replacing them would garble the message
    expect(scrub('expected gzip')).toBe('expected gzip');
  });

  it('removes what looks like a credential, whoever configured it', () => {
    const cases = [
      'Authorization: Basic dXNlcjpwYXNzd29yZA==',
      '{"authorization":"Bearer abc.def.ghi","x-api-key":"k-123"}',
      'x-honeycomb-team=someteamkey; cookie=session=abcdef',
      'api_key: sk_live_4eC39HqLyjWDarjtT1zdp7dc',
      'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl',
      'unlabelled 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    ];
    for (const c of cases) {
      const out = scrub(c);
      expect(out, c).toContain('[REDACTED]');
      for (const secret of ['dXNlcjpwYXNzd29yZA', 'abc.def.ghi', 'k-123', 'someteamkey', 'abcdef', 'sk_live', 'eyJzdWIi', '9f86d0818']) {
        expect(out, c).not.toContain(secret);
      }
    }
  });

  it('keeps ordinary words, folds whitespace, and cuts long text after scrubbing', () => {
    expect(scrub('service  unavailable:\n\ttry later')).toBe('service unavailable: try later');
    expect(scrub('Token expired; Basic auth required')).toBe('Token expired; Basic auth required');
    const long = `${'x '.repeat(300)}Bearer plainwordsecret`;
    const out = scrub(long);
    expect(out.startsWith('x x x')).toBe(true);
    expect(out.length).toBeLessThan(BACKEND_TEXT_MAX_CHARS + 50);
    expect(out).toMatch(/… \(\d+ more characters not shown\)$/);
    expect(out).not.toContain('plainword');
  });
});
