import { describe, expect, it } from 'vitest';
import { HttpError } from './http.js';
import { sentryChange, uiChange } from './triage.js';

describe('status changes', () => {
  it("maps Sentry's API bodies, as sentry-cli and the web app send them", () => {
    expect(sentryChange({ status: 'resolved', snoozeDuration: null })).toEqual({ status: 'resolved' });
    expect(sentryChange({ status: 'resolved', statusDetails: { inNextRelease: true } })).toEqual({ status: 'resolved_in_next_release' });
    expect(sentryChange({ status: 'unresolved' })).toEqual({ status: 'unresolved' });
    expect(sentryChange({ status: 'ignored', snoozeDuration: 30 }, 1000)).toEqual({ status: 'ignored', untilMs: 1000 + 30 * 60_000, count: undefined, users: undefined });
    expect(sentryChange({ status: 'muted', statusDetails: { ignoreCount: 10, ignoreUserCount: 2 } })).toMatchObject({ status: 'ignored', count: 10, users: 2 });
    expect(sentryChange({ status: 'ignored', statusDetails: { ignoreUntil: '2030-01-01T00:00:00Z' } })).toMatchObject({ untilMs: Date.parse('2030-01-01T00:00:00Z') });
  });

  it('answers 400 naming the field for a bad status or condition', () => {
    const fail = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return [(err as HttpError).status, (err as Error).message];
      }
      return undefined;
    };
    expect(fail(() => sentryChange({ status: 'deleted' }))).toEqual([400, expect.stringContaining('status: expected')]);
    expect(fail(() => sentryChange({ status: 'ignored', statusDetails: { ignoreCount: -1 } }))).toEqual([400, expect.stringContaining('statusDetails.ignoreCount')]);
    expect(fail(() => sentryChange({ status: 'ignored', statusDetails: { ignoreUntil: 'soon' } }))).toEqual([400, expect.stringContaining('ignoreUntil')]);
    expect(fail(() => uiChange({ status: 'ignored', count: 1.5 }))).toEqual([400, expect.stringContaining('count')]);
    expect(uiChange({ status: 'ignored', users: 3 })).toEqual({ status: 'ignored', untilMs: undefined, count: undefined, users: 3 });
  });
});
