/**
 * The distinct users of each release by how their sessions went, from the sentry receiver's
 * `sentry.sessions.user` points (one per hashed user and `session.status`): Relay's user set,
 * kept as a set. Bounded in age (a user unseen for `maxAgeMs` is forgotten) and in size (beyond
 * `maxUsers` users in all, the release updated least recently goes first).
 */
import { FifoMap } from 'summit';
import type { MetricPoint } from './rows.js';

export const SESSION_USERS_METRIC = 'sentry.sessions.user';

const ERRORED = 1;
const CRASHED = 2;
const ABNORMAL = 4;
/** What a point's `session.status` says of its user's sessions, as bits. */
export const STATUS_BITS: Record<string, number> = { errored: ERRORED, crashed: CRASHED, abnormal: ABNORMAL };

export interface UserCounts {
  users: number;
  /** Users with an errored session (crashed and abnormal ones included). */
  errored: number;
  crashed: number;
  abnormal: number;
}

interface Seen {
  /** ERRORED | CRASHED | ABNORMAL of any of the user's sessions. */
  statuses: number;
  /** When a session of the user was last seen (ms). */
  last: number;
}

export class ReleaseUsers {
  /** release → user hash → what was seen; a Map keeps insertion order, so re-inserting marks recent use. */
  private readonly releases = new FifoMap<string, Map<string, Seen>>();
  private total = 0;

  constructor(
    private readonly maxAgeMs: number,
    private readonly maxUsers: number,
  ) {}

  add(p: MetricPoint, now = Date.now()): void {
    const release = p.resource['service.version'];
    const user = p.attributes['user.hash'];
    if (p.name !== SESSION_USERS_METRIC || !release || !user) return;
    this.addUser(release, user, STATUS_BITS[p.attributes['session.status'] ?? ''] ?? 0, p.time, now);
  }

  /** A user of the release whose sessions had `statuses` (STATUS_BITS), the last seen at `time` (ms). */
  addUser(release: string, user: string, statuses: number, time: number, now = Date.now()): void {
    if (time < now - this.maxAgeMs) return;
    let users = this.releases.get(release);
    if (users) this.releases.delete(release);
    else users = new Map();
    this.releases.set(release, users);
    let seen = users.get(user);
    if (!seen) {
      users.set(user, (seen = { statuses: 0, last: time }));
      this.total++;
    }
    seen.statuses |= statuses;
    seen.last = Math.max(seen.last, time);
    while (this.total > this.maxUsers && this.releases.size > 1) this.forget(this.releases.oldest()!);
  }

  private forget(release: string): void {
    this.total -= this.releases.get(release)?.size ?? 0;
    this.releases.delete(release);
  }

  /** Per release, its users seen within the age bound (those older are forgotten on the way). */
  counts(now = Date.now()): Map<string, UserCounts> {
    const out = new Map<string, UserCounts>();
    const oldest = now - this.maxAgeMs;
    for (const [release, users] of this.releases) {
      const c: UserCounts = { users: 0, errored: 0, crashed: 0, abnormal: 0 };
      for (const [user, seen] of users) {
        if (seen.last < oldest) {
          users.delete(user);
          this.total--;
          continue;
        }
        c.users++;
        if (seen.statuses & ERRORED) c.errored++;
        if (seen.statuses & CRASHED) c.crashed++;
        if (seen.statuses & ABNORMAL) c.abnormal++;
      }
      if (c.users > 0) out.set(release, c);
      else this.releases.delete(release);
    }
    return out;
  }
}
