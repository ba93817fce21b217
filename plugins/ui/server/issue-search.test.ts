import { describe, expect, it } from 'vitest';
import { parseIssueSearch, SearchError } from './issue-search.js';

describe('issue search syntax', () => {
  it('splits status, level, tags (quoted or not) and free text', () => {
    expect(parseIssueSearch('is:unresolved release:"shop 1.0" environment:prod level:error browser:Chrome cart  empty')).toEqual({
      status: 'unresolved',
      level: 'error',
      tags: [
        { key: 'release', value: 'shop 1.0' },
        { key: 'environment', value: 'prod' },
        { key: 'browser', value: 'Chrome' },
      ],
      text: 'cart empty',
    });
  });

  it("takes Sentry's other names for ignored, and names an unknown is: value", () => {
    expect(parseIssueSearch('is:archived').status).toBe('ignored');
    expect(() => parseIssueSearch('is:assigned')).toThrow(SearchError);
    expect(() => parseIssueSearch('is:assigned')).toThrow(/is:assigned/);
  });

  it('an empty query filters nothing', () => {
    expect(parseIssueSearch('  ')).toEqual({ tags: [] });
  });
});
