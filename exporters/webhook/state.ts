/**
 * The alerting state kept across restarts — silences, what each receiver was last sent
 * (Alertmanager's notification log), incidents and their timeline, used ack tokens — in SQLite
 * (WAL, `synchronous = FULL`: a commit survives kill -9). `summit alerts` and `summit incidents`
 * open the same file while Summit runs.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { matchesAll, parseMatchers, type Labels } from './matchers.js';
import { DEPLOYMENT_RETENTION_MS, DEPLOYMENTS_SCHEMA, type Deployment } from './deployments.js';
import { RULE_STATE_SCHEMA, RuleStateFile } from './rule-state.js';

/** Each entry upgrades the file from the version of its index to the next (index 0 creates it). */
const MIGRATIONS: string[][] = [
  [
  'CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
  'CREATE TABLE silences (id TEXT PRIMARY KEY, matchers TEXT NOT NULL, starts_at INTEGER NOT NULL, ends_at INTEGER NOT NULL, created_by TEXT NOT NULL, comment TEXT NOT NULL, created_at INTEGER NOT NULL)',
  'CREATE TABLE nflog (group_key TEXT NOT NULL, receiver TEXT NOT NULL, firing TEXT NOT NULL, resolved TEXT NOT NULL, sent_at INTEGER NOT NULL, PRIMARY KEY (group_key, receiver))',
  `CREATE TABLE incidents (id INTEGER PRIMARY KEY AUTOINCREMENT, group_key TEXT NOT NULL, policy TEXT NOT NULL, title TEXT NOT NULL, labels TEXT NOT NULL,
     status TEXT NOT NULL, tier INTEGER NOT NULL, loop INTEGER NOT NULL, next_at INTEGER, opened_at INTEGER NOT NULL,
     acked_at INTEGER, acked_by TEXT, resolved_at INTEGER, resolved_by TEXT, announced TEXT NOT NULL DEFAULT 'open')`,
  // one open incident per alert group
  "CREATE UNIQUE INDEX incidents_open ON incidents (group_key) WHERE status != 'resolved'",
  'CREATE TABLE incident_events (incident_id INTEGER NOT NULL, at INTEGER NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL)',
  'CREATE INDEX incident_events_by_incident ON incident_events (incident_id, at)',
  'CREATE TABLE used_tokens (nonce TEXT PRIMARY KEY, used_at INTEGER NOT NULL)',
  ],
  [...RULE_STATE_SCHEMA, ...DEPLOYMENTS_SCHEMA],
];
const SCHEMA_VERSION = MIGRATIONS.length;

export interface Silence {
  id: string;
  matchers: string[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
}

export interface NotificationLogEntry {
  firing: string[];
  resolved: string[];
  sentAt: number;
}

export type IncidentStatus = 'open' | 'acknowledged' | 'resolved';

export interface Incident {
  id: number;
  groupKey: string;
  policy: string;
  title: string;
  labels: Labels;
  status: IncidentStatus;
  /** Index of the tier paged last. */
  tier: number;
  /** How many times the tiers were started over. */
  loop: number;
  /** When the next tier is paged; unset once acknowledged, resolved, or out of tiers. */
  nextAt?: number;
  openedAt: number;
  ackedAt?: number;
  ackedBy?: string;
  resolvedAt?: number;
  resolvedBy?: string;
}

export interface IncidentEvent {
  at: number;
  kind: 'opened' | 'paged' | 'acknowledged' | 'resolved' | 'alert' | 'values';
  detail: Record<string, unknown>;
}

export class StateError extends Error {}

interface IncidentRow {
  id: number;
  group_key: string;
  policy: string;
  title: string;
  labels: string;
  status: IncidentStatus;
  tier: number;
  loop: number;
  next_at: number | null;
  opened_at: number;
  acked_at: number | null;
  acked_by: string | null;
  resolved_at: number | null;
  resolved_by: string | null;
}

function incidentOf(r: IncidentRow): Incident {
  return {
    id: r.id,
    groupKey: r.group_key,
    policy: r.policy,
    title: r.title,
    labels: JSON.parse(r.labels) as Labels,
    status: r.status,
    tier: r.tier,
    loop: r.loop,
    nextAt: r.next_at ?? undefined,
    openedAt: r.opened_at,
    ackedAt: r.acked_at ?? undefined,
    ackedBy: r.acked_by ?? undefined,
    resolvedAt: r.resolved_at ?? undefined,
    resolvedBy: r.resolved_by ?? undefined,
  };
}

export class AlertState {
  private constructor(
    readonly path: string,
    private readonly db: Database.Database,
  ) {}

  /** `create`: make the file and tables when missing (the exporter); otherwise it must exist (the CLI). */
  static open(path: string, { create }: { create: boolean }): AlertState {
    if (!create && !existsSync(path)) throw new StateError(`no alerting state at ${path}: the webhook exporter creates it when Summit starts`);
    let db: Database.Database;
    try {
      if (create) mkdirSync(dirname(path), { recursive: true });
      db = new Database(path, { fileMustExist: !create });
    } catch (err) {
      throw new StateError(`cannot open the alerting state ${path}: ${(err as Error).message}`);
    }
    try {
      db.pragma('busy_timeout = 5000');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      const version = () => db.pragma('user_version', { simple: true }) as number;
      if (version() > SCHEMA_VERSION || (version() === 0 && !create)) {
        throw new StateError(`${path} is not an alerting state file of schema version ${SCHEMA_VERSION} or older (found ${version()})`);
      }
      if (version() < SCHEMA_VERSION) {
        // the exporter and the CLI may open an old file at the same moment: the version is read again inside the lock
        db.transaction(() => {
          for (let v = version(); v < SCHEMA_VERSION; v++) for (const ddl of MIGRATIONS[v]) db.exec(ddl);
          db.pragma(`user_version = ${SCHEMA_VERSION}`);
        }).immediate();
      }
    } catch (err) {
      db.close();
      throw err instanceof StateError ? err : new StateError(`cannot open the alerting state ${path}: ${(err as Error).message}`);
    }
    return new AlertState(path, db);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** The rules' windows and pending/firing alerts, in the same file; `retentionMs`: the longest window. */
  ruleState(retentionMs: number): RuleStateFile {
    return new RuleStateFile(this.db, retentionMs);
  }

  /** A random secret made once and kept in the file, for ack URLs when the config sets none. */
  generatedSecret(): string {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'signing_secret'").get() as { value: string } | undefined;
    if (row) return row.value;
    const secret = randomBytes(32).toString('base64url');
    this.db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('signing_secret', ?)").run(secret);
    return (this.db.prepare("SELECT value FROM meta WHERE key = 'signing_secret'").get() as { value: string }).value;
  }

  // ---------- silences ----------

  addSilence(s: Omit<Silence, 'id'>, now: number): Silence {
    parseMatchers(s.matchers); // refuse what could never match before storing it
    if (!s.matchers.length) throw new StateError('a silence needs at least one matcher');
    if (s.endsAt <= s.startsAt) throw new StateError('a silence must end after it starts');
    const silence = { ...s, id: randomUUID() };
    this.db
      .prepare('INSERT INTO silences (id, matchers, starts_at, ends_at, created_by, comment, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(silence.id, JSON.stringify(s.matchers), s.startsAt, s.endsAt, s.createdBy, s.comment, now);
    return silence;
  }

  /** Ends a silence now; the id may be abbreviated to a unique prefix. */
  expireSilence(idPrefix: string, now: number): Silence {
    const rows = this.db.prepare('SELECT id FROM silences WHERE id LIKE ? AND ends_at > ?').all(`${idPrefix}%`, now) as { id: string }[];
    if (rows.length !== 1) throw new StateError(rows.length ? `silence id ${idPrefix} is ambiguous` : `no active silence ${idPrefix}`);
    this.db.prepare('UPDATE silences SET ends_at = ? WHERE id = ?').run(now, rows[0].id);
    return this.silences(now, true).find((s) => s.id === rows[0].id)!;
  }

  /** Silences not yet over (active or pending); `all` adds expired ones. */
  silences(now: number, all = false): Silence[] {
    const rows = this.db.prepare(`SELECT * FROM silences ${all ? '' : 'WHERE ends_at > ?'} ORDER BY starts_at`).all(...(all ? [] : [now])) as {
      id: string;
      matchers: string;
      starts_at: number;
      ends_at: number;
      created_by: string;
      comment: string;
    }[];
    return rows.map((r) => ({ id: r.id, matchers: JSON.parse(r.matchers) as string[], startsAt: r.starts_at, endsAt: r.ends_at, createdBy: r.created_by, comment: r.comment }));
  }

  /** The matcher of the active silences, for muting alerts at `now`. */
  activeSilenceMatchers(now: number): ReturnType<typeof parseMatchers>[] {
    return this.silences(now)
      .filter((s) => s.startsAt <= now)
      .map((s) => parseMatchers(s.matchers));
  }

  isSilenced(labels: Labels, now: number): boolean {
    return this.activeSilenceMatchers(now).some((m) => matchesAll(m, labels));
  }

  // ---------- notification log ----------

  lastNotification(groupKey: string, receiver: string): NotificationLogEntry | undefined {
    const r = this.db.prepare('SELECT firing, resolved, sent_at FROM nflog WHERE group_key = ? AND receiver = ?').get(groupKey, receiver) as
      | { firing: string; resolved: string; sent_at: number }
      | undefined;
    return r && { firing: JSON.parse(r.firing) as string[], resolved: JSON.parse(r.resolved) as string[], sentAt: r.sent_at };
  }

  logNotification(groupKey: string, receiver: string, e: NotificationLogEntry): void {
    this.db
      .prepare('INSERT OR REPLACE INTO nflog (group_key, receiver, firing, resolved, sent_at) VALUES (?, ?, ?, ?, ?)')
      .run(groupKey, receiver, JSON.stringify(e.firing), JSON.stringify(e.resolved), e.sentAt);
  }

  // ---------- incidents ----------

  openIncident(groupKey: string): Incident | undefined {
    const r = this.db.prepare("SELECT * FROM incidents WHERE group_key = ? AND status != 'resolved'").get(groupKey) as IncidentRow | undefined;
    return r && incidentOf(r);
  }

  createIncident(i: Pick<Incident, 'groupKey' | 'policy' | 'title' | 'labels' | 'openedAt'>, detail: Record<string, unknown>): Incident {
    return this.db.transaction(() => {
      const { lastInsertRowid } = this.db
        .prepare("INSERT INTO incidents (group_key, policy, title, labels, status, tier, loop, next_at, opened_at) VALUES (?, ?, ?, ?, 'open', -1, 0, ?, ?)")
        .run(i.groupKey, i.policy, i.title, JSON.stringify(i.labels), i.openedAt, i.openedAt);
      this.addEvent(Number(lastInsertRowid), { at: i.openedAt, kind: 'opened', detail });
      return this.incident(Number(lastInsertRowid))!;
    }).immediate();
  }

  incident(id: number): Incident | undefined {
    const r = this.db.prepare('SELECT * FROM incidents WHERE id = ?').get(id) as IncidentRow | undefined;
    return r && incidentOf(r);
  }

  incidents(status?: IncidentStatus): Incident[] {
    const rows = (status ? this.db.prepare('SELECT * FROM incidents WHERE status = ? ORDER BY id DESC').all(status) : this.db.prepare('SELECT * FROM incidents ORDER BY id DESC').all()) as IncidentRow[];
    return rows.map(incidentOf);
  }

  /** Incidents acknowledged or resolved since the receivers paged for them were last told. */
  unannounced(): Incident[] {
    return (this.db.prepare("SELECT * FROM incidents WHERE announced != status ORDER BY id").all() as IncidentRow[]).map(incidentOf);
  }

  markAnnounced(id: number, status: IncidentStatus): void {
    this.db.prepare('UPDATE incidents SET announced = ? WHERE id = ?').run(status, id);
  }

  /** The receivers paged for an incident, in the order they were first paged. */
  pagedReceivers(id: number): string[] {
    return [...new Set(this.events(id).filter((e) => e.kind === 'paged').map((e) => String(e.detail.receiver)))];
  }

  /** Open, unacknowledged incidents whose next tier is due. */
  dueIncidents(now: number): Incident[] {
    return (this.db.prepare("SELECT * FROM incidents WHERE status = 'open' AND next_at IS NOT NULL AND next_at <= ? ORDER BY id").all(now) as IncidentRow[]).map(incidentOf);
  }

  /** Records that `tier` was paged and when the next one is due (the page is already queued: at least once). */
  recordPage(id: number, tier: number, loop: number, nextAt: number | undefined, event?: IncidentEvent): void {
    this.db.transaction(() => {
      this.db.prepare("UPDATE incidents SET tier = ?, loop = ?, next_at = ? WHERE id = ? AND status = 'open'").run(tier, loop, nextAt ?? null, id);
      if (event) this.addEvent(id, event);
    }).immediate();
  }

  /** Acknowledges (stops escalation) or resolves; false when the incident is unknown or already in that state or past it. */
  setStatus(id: number, status: 'acknowledged' | 'resolved', by: string, now: number): boolean {
    return this.db.transaction(() => {
      const i = this.incident(id);
      if (!i || i.status === 'resolved' || i.status === status) return false;
      if (status === 'acknowledged') this.db.prepare("UPDATE incidents SET status = 'acknowledged', acked_at = ?, acked_by = ?, next_at = NULL WHERE id = ?").run(now, by, id);
      else this.db.prepare("UPDATE incidents SET status = 'resolved', resolved_at = ?, resolved_by = ?, next_at = NULL WHERE id = ?").run(now, by, id);
      this.addEvent(id, { at: now, kind: status, detail: { by } });
      return true;
    }).immediate();
  }

  addEvent(id: number, e: IncidentEvent): void {
    this.db.prepare('INSERT INTO incident_events (incident_id, at, kind, detail) VALUES (?, ?, ?, ?)').run(id, e.at, e.kind, JSON.stringify(e.detail));
  }

  events(id: number): IncidentEvent[] {
    return (this.db.prepare('SELECT at, kind, detail FROM incident_events WHERE incident_id = ? ORDER BY at, rowid').all(id) as { at: number; kind: IncidentEvent['kind']; detail: string }[]).map(
      (r) => ({ at: r.at, kind: r.kind, detail: JSON.parse(r.detail) as Record<string, unknown> }),
    );
  }

  // ---------- deployments ----------

  /** Records deployments seen (one transaction), and forgets those older than the retention. */
  recordDeployments(list: readonly Deployment[], now: number): void {
    const insert = this.db.prepare('INSERT OR REPLACE INTO deployments (id, status, at, environment, repository, service, revision) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const d of list) insert.run(d.id, d.status, d.at, d.environment, d.repository, d.service, d.revision);
      this.db.prepare('DELETE FROM deployments WHERE at < ?').run(now - DEPLOYMENT_RETENTION_MS);
    }).immediate();
  }

  /** Deployments that reached their status in [from, to], oldest first. */
  deployments(from: number, to: number): Deployment[] {
    return this.db.prepare('SELECT * FROM deployments WHERE at BETWEEN ? AND ? ORDER BY at, id').all(from, to) as Deployment[];
  }

  /** Marks an ack token's nonce used; false when it was used before (single use). */
  useToken(nonce: string, now: number): boolean {
    return this.db.prepare('INSERT OR IGNORE INTO used_tokens (nonce, used_at) VALUES (?, ?)').run(nonce, now).changes === 1;
  }
}
