import { describe, expect, it } from 'vitest';
import { releaseHealth } from './metric-views.js';
import { ReleaseUsers, SESSION_USERS_METRIC } from './release-users.js';
import type { MetricPoint } from './rows.js';

const NOW = Date.parse('2030-01-01T12:00:00Z');
const DAY = 86_400_000;

const user = (release: string, hash: string, status?: string, time = NOW): MetricPoint => ({
  time,
  start: time,
  name: SESSION_USERS_METRIC,
  unit: '{session}',
  service: 'shop',
  value: 1,
  attributes: { 'user.hash': hash, ...(status ? { 'session.status': status } : {}) },
  temporality: 'delta',
  resource: { 'service.version': release },
});

describe('distinct users per release', () => {
  it('counts each user once, with every status any of its sessions had', () => {
    const users = new ReleaseUsers(35 * DAY, 1000);
    for (const p of [
      user('1.0', 'a'),
      user('1.0', 'a'), // a second healthy session
      user('1.0', 'b', 'errored'),
      user('1.0', 'c'),
      user('1.0', 'c', 'errored'), // healthy, then crashed
      user('1.0', 'c', 'crashed'),
      user('1.0', 'd', 'errored'),
      user('1.0', 'd', 'abnormal'),
      user('2.0', 'a', 'errored'),
      user('2.0', 'a', 'crashed'),
    ]) {
      users.add(p, NOW);
    }
    const counts = users.counts(NOW);
    expect(counts.get('1.0')).toEqual({ users: 4, errored: 3, crashed: 1, abnormal: 1 });
    expect(counts.get('2.0')).toEqual({ users: 1, errored: 1, crashed: 1, abnormal: 0 });
  });

  it('forgets users unseen for the age bound, and the least recently updated release past the size bound', () => {
    const aged = new ReleaseUsers(DAY, 1000);
    aged.add(user('1.0', 'old', 'crashed', NOW - 2 * DAY), NOW); // too old when it comes
    aged.add(user('1.0', 'a', 'crashed', NOW - DAY / 2), NOW);
    aged.add(user('1.0', 'b', undefined, NOW), NOW);
    expect(aged.counts(NOW).get('1.0')).toEqual({ users: 2, errored: 0, crashed: 1, abnormal: 0 });
    expect(aged.counts(NOW + DAY * 0.75).get('1.0')).toEqual({ users: 1, errored: 0, crashed: 0, abnormal: 0 });
    expect(aged.counts(NOW + 2 * DAY).has('1.0')).toBe(false);

    const bounded = new ReleaseUsers(DAY, 3);
    for (const [release, hash] of [['1.0', 'a'], ['1.0', 'b'], ['2.0', 'a'], ['1.0', 'c'], ['2.0', 'b']]) bounded.add(user(release, hash), NOW);
    // 1.0 reached 3 users while 2.0 had 1: 2.0 went, then 1.0 when 2.0 came back
    expect([...bounded.counts(NOW)].map(([r, c]) => [r, c.users])).toEqual([['2.0', 1]]);
  });

  it('ignores points without a release or user, and other metrics', () => {
    const users = new ReleaseUsers(DAY, 10);
    users.add({ ...user('1.0', 'a'), resource: {} }, NOW);
    users.add({ ...user('1.0', 'a'), attributes: {} }, NOW);
    users.add({ ...user('1.0', 'a'), name: 'sentry.sessions' }, NOW);
    expect(users.counts(NOW).size).toBe(0);
  });

  it('crash-free users beside crash-free sessions, as Sentry computes them', () => {
    const s = (status: string, value: number): MetricPoint => ({ ...user('1.0', ''), name: 'sentry.sessions', value, attributes: { 'session.status': status } });
    const health = releaseHealth([s('init', 5), s('errored', 2), s('crashed', 1)], new Map([['1.0', { users: 4, errored: 2, crashed: 1, abnormal: 0 }], ['3.0', { users: 2, errored: 0, crashed: 0, abnormal: 0 }]]));
    expect(health.get('1.0')).toMatchObject({ sessions: 5, crashFreeSessions: 0.8, users: { users: 4, crashed: 1 }, crashFreeUsers: 0.75 });
    expect(health.get('3.0')).toMatchObject({ sessions: 0, crashFreeSessions: null, crashFreeUsers: 1 });
    expect(releaseHealth([s('init', 5)]).get('1.0')).toMatchObject({ users: { users: 0 }, crashFreeUsers: null });
  });
});
