/**
 * The rules' state in the state file, so that a restart (kill -9 included) neither refills
 * windows from nothing nor forgets how long an alert has been pending or that it fires: the
 * samples of metric windows, the counts of event-rule windows, and each rule's pending and
 * firing alerts with their active-since times.
 *
 * Written once per evaluation in one transaction, and only what changed. Samples are an
 * append-only log: each window numbers its samples (`seq`) and a save appends the windows' new
 * tails at the end of the table (a handful of pages per commit, whatever the number of series);
 * the log is cut from the front by whole saves once they are older than twice the longest
 * window, after writing again the one sample a window still needs from them (the value a
 * counter's rate starts from, the last sample of a series that went quiet). Loading sorts the
 * log by window and sequence, the latest copy of a sample winning. An alert row changes when
 * the alert appears, fires, starts or stops holding, or goes. Samples that arrived after the
 * last evaluation are lost on a crash (at most one `evaluation_interval`).
 */
import type Database from 'better-sqlite3';
import type { HistogramSample, NumberSample } from './series.js';

export const RULE_STATE_SCHEMA = [
  // owner: `metric NAME` (a series of the metric windows) or `rule ALERT` (a group of an event rule)
  'CREATE TABLE rule_windows (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, labels TEXT NOT NULL, kind TEXT NOT NULL, cumulative INTEGER NOT NULL, gauge INTEGER NOT NULL)',
  // v: a number sample or an event count; h: a histogram sample (see encodeHistogram)
  // AUTOINCREMENT: ids only grow, so a cut by id never takes a row written after it
  'CREATE TABLE rule_samples (id INTEGER PRIMARY KEY AUTOINCREMENT, window_id INTEGER NOT NULL, seq INTEGER NOT NULL, t INTEGER NOT NULL, v REAL, h BLOB)',
  // each save: when, and the last sample id it wrote (where the log can be cut once it is old)
  'CREATE TABLE rule_saves (saved_at INTEGER PRIMARY KEY, last_id INTEGER NOT NULL)',
  // last_held NULL: the condition held at the evaluation of meta.rules_evaluated_at
  `CREATE TABLE rule_alerts (rule TEXT NOT NULL, group_key TEXT NOT NULL, labels TEXT NOT NULL, active_at INTEGER NOT NULL, fired_at INTEGER, last_held INTEGER, value REAL,
     PRIMARY KEY (rule, group_key)) WITHOUT ROWID`,
];

export type Sample = NumberSample | HistogramSample;

/** A window of samples mirrored in the state file; its owner keeps these fields up to date. */
export interface TrackedWindow {
  /** Row id in the state file; 0 until first saved. */
  id: number;
  /** The sequence number of samples[0]. */
  firstSeq: number;
  /** How many samples at the end are not saved as they are (new ones, or the last one changed in place). */
  unsaved: number;
  /** No later than the save that last wrote samples[0] (when the log is cut before it, it is written again). */
  headSavedAt: number;
  labels: Record<string, string>;
  kind?: 'number' | 'histogram';
  cumulative?: boolean;
  gauge?: boolean;
  samples: Sample[];
}

export interface LoadedWindow extends TrackedWindow {
  owner: string;
}

export interface SavedAlert {
  labels: Record<string, string>;
  activeAt: number;
  firedAt?: number;
  /** When the condition last held; unset: it held at the last evaluation. */
  lastHeld?: number;
  value?: number;
}

export interface LoadedRuleState {
  /** When the rules were last evaluated (and their state written); unset in a file never written. */
  evaluatedAt?: number;
  /** Windows by owner. */
  windows: Map<string, LoadedWindow[]>;
  /** Alerts by rule, then by group key. */
  alerts: Map<string, Map<string, SavedAlert>>;
}

export const metricOwner = (metric: string): string => `metric ${metric}`;
export const ruleOwner = (alert: string): string => `rule ${alert}`;

/** [count, sum, number of buckets, ...buckets, ...bounds] as float64. */
function encodeHistogram(s: HistogramSample): Buffer {
  const a = new Float64Array(3 + s.buckets.length + s.bounds.length);
  a[0] = s.count;
  a[1] = s.sum;
  a[2] = s.buckets.length;
  a.set(s.buckets, 3);
  a.set(s.bounds, 3 + s.buckets.length);
  return Buffer.from(a.buffer);
}

function decodeHistogram(t: number, b: Buffer): HistogramSample {
  const a = new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  const n = a[2];
  return { t, count: a[0], sum: a[1], buckets: Array.from(a.subarray(3, 3 + n)), bounds: Array.from(a.subarray(3 + n)) };
}

interface WindowRow {
  id: number;
  owner: string;
  labels: string;
  kind: 'number' | 'histogram';
  cumulative: number;
  gauge: number;
}

interface AlertRow {
  rule: string;
  group_key: string;
  labels: string;
  active_at: number;
  fired_at: number | null;
  last_held: number | null;
  value: number | null;
}

/** Reads and writes the rules' state; `save` runs the owners' writes in one transaction. */
export class RuleStateFile {
  private readonly insertWindow: Database.Statement;
  private readonly insertSample: Database.Statement;
  private readonly deleteWindow: Database.Statement;
  private readonly upsertAlert: Database.Statement;
  private readonly deleteAlert: Database.Statement;
  private readonly logSave: Database.Statement;
  private readonly cutPoint: Database.Statement;
  private readonly cutSamples: Database.Statement;
  private readonly cutSaves: Database.Statement;
  private readonly setEvaluatedAt: Database.Statement;
  /** During a save: its time, and the time of the last save the log is cut after (its samples are deleted). */
  private now = 0;
  private cutAt?: number;

  /** `retentionMs`: the longest window of any rule (the log keeps twice that). */
  constructor(
    private readonly db: Database.Database,
    private readonly retentionMs: number,
  ) {
    this.insertWindow = db.prepare('INSERT INTO rule_windows (owner, labels, kind, cumulative, gauge) VALUES (?, ?, ?, ?, ?)');
    this.insertSample = db.prepare('INSERT INTO rule_samples (window_id, seq, t, v, h) VALUES (?, ?, ?, ?, ?)');
    this.deleteWindow = db.prepare('DELETE FROM rule_windows WHERE id = ?');
    this.upsertAlert = db.prepare('INSERT OR REPLACE INTO rule_alerts (rule, group_key, labels, active_at, fired_at, last_held, value) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.deleteAlert = db.prepare('DELETE FROM rule_alerts WHERE rule = ? AND group_key = ?');
    this.logSave = db.prepare("INSERT OR REPLACE INTO rule_saves (saved_at, last_id) VALUES (?, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'rule_samples'), 0))");
    this.cutPoint = db.prepare('SELECT saved_at, last_id FROM rule_saves WHERE saved_at <= ? ORDER BY saved_at DESC LIMIT 1');
    this.cutSamples = db.prepare('DELETE FROM rule_samples WHERE id <= ?');
    this.cutSaves = db.prepare('DELETE FROM rule_saves WHERE saved_at <= ?');
    this.setEvaluatedAt = db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('rules_evaluated_at', ?)");
  }

  /**
   * The saved state of these owners and rules; windows and alerts of others (a metric no rule
   * reads any more, a rule removed from the config) are deleted.
   */
  load(owners: ReadonlySet<string>, rules: ReadonlySet<string>): LoadedRuleState {
    return this.db.transaction((): LoadedRuleState => {
      const evaluated = this.db.prepare("SELECT value FROM meta WHERE key = 'rules_evaluated_at'").get() as { value: string } | undefined;
      const byId = new Map<number, LoadedWindow>();
      const windows = new Map<string, LoadedWindow[]>();
      for (const r of this.db.prepare('SELECT * FROM rule_windows').all() as WindowRow[]) {
        if (!owners.has(r.owner)) {
          this.deleteWindow.run(r.id);
          continue;
        }
        const w: LoadedWindow = { id: r.id, owner: r.owner, labels: JSON.parse(r.labels) as Record<string, string>, kind: r.kind, cumulative: !!r.cumulative, gauge: !!r.gauge, firstSeq: 0, unsaved: 0, headSavedAt: 0, samples: [] };
        byId.set(r.id, w);
        let list = windows.get(r.owner);
        if (!list) windows.set(r.owner, (list = []));
        list.push(w);
      }
      const rows = this.db.prepare('SELECT window_id, seq, t, v, h FROM rule_samples ORDER BY window_id, seq, id').iterate() as IterableIterator<{ window_id: number; seq: number; t: number; v: number | null; h: Buffer | null }>;
      for (const r of rows) {
        const w = byId.get(r.window_id);
        if (!w) continue; // a window removed since: its samples go when the log is cut
        const sample = r.h ? decodeHistogram(r.t, r.h) : { t: r.t, v: r.v ?? 0 };
        const next = w.firstSeq + w.samples.length;
        if (w.samples.length && r.seq === next - 1) w.samples[w.samples.length - 1] = sample; // a later copy
        else {
          // a gap: what comes before it was pruned from the window before the crash
          if (r.seq !== next) (w.firstSeq = r.seq), (w.samples = []);
          w.samples.push(sample);
        }
      }
      for (const w of byId.values()) w.headSavedAt = w.samples[0]?.t ?? 0;
      const alerts = new Map<string, Map<string, SavedAlert>>();
      for (const r of this.db.prepare('SELECT * FROM rule_alerts').all() as AlertRow[]) {
        if (!rules.has(r.rule)) {
          this.removeAlert(r.rule, r.group_key);
          continue;
        }
        let m = alerts.get(r.rule);
        if (!m) alerts.set(r.rule, (m = new Map()));
        m.set(r.group_key, {
          labels: JSON.parse(r.labels) as Record<string, string>,
          activeAt: r.active_at,
          firedAt: r.fired_at ?? undefined,
          lastHeld: r.last_held ?? undefined,
          value: r.value ?? undefined,
        });
      }
      return { evaluatedAt: evaluated ? Number(evaluated.value) : undefined, windows, alerts };
    }).immediate();
  }

  /**
   * Runs `write` (the owners calling window — for every window they hold — removeWindow, alert,
   * removeAlert) in one transaction stamped `now`, then cuts the log.
   */
  save(now: number, write: (file: RuleStateFile) => void): void {
    // no fsync for this commit: WAL without it survives kill -9 (the OS has the pages), only a
    // power cut can take the last saves — seconds of samples, not worth a disk flush per
    // evaluation; the incidents and notification log written on this connection keep FULL
    this.db.pragma('synchronous = NORMAL');
    try {
      this.saveNow(now, write);
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  private saveNow(now: number, write: (file: RuleStateFile) => void): void {
    this.db.transaction(() => {
      this.now = now;
      const cut = this.cutPoint.get(now - 2 * this.retentionMs) as { saved_at: number; last_id: number } | undefined;
      this.cutAt = cut?.saved_at;
      write(this);
      if (cut) {
        this.cutSamples.run(cut.last_id);
        this.cutSaves.run(cut.saved_at);
      }
      this.logSave.run(now);
      this.setEvaluatedAt.run(String(now));
    }).immediate();
  }

  /**
   * Writes what changed in a window since its last save (and its first sample again when the
   * log is cut past it). `owner` and `name` make its owner (`metric NAME`, `rule ALERT`).
   */
  window(owner: 'metric' | 'rule', name: string, w: TrackedWindow): void {
    if (w.id === 0) w.id = Number(this.insertWindow.run(owner === 'metric' ? metricOwner(name) : ruleOwner(name), JSON.stringify(w.labels), w.kind ?? 'number', w.cumulative ? 1 : 0, w.gauge ? 1 : 0).lastInsertRowid);
    const n = w.samples.length;
    if (!n) return;
    if (w.unsaved === n) w.headSavedAt = this.now;
    else if (this.cutAt !== undefined && w.headSavedAt <= this.cutAt) {
      this.writeSample(w, 0);
      w.headSavedAt = this.now;
    }
    for (let i = n - w.unsaved; i < n; i++) this.writeSample(w, i);
    w.unsaved = 0;
  }

  private writeSample(w: TrackedWindow, i: number): void {
    const s = w.samples[i];
    if ('count' in s) this.insertSample.run(w.id, w.firstSeq + i, s.t, null, encodeHistogram(s));
    else this.insertSample.run(w.id, w.firstSeq + i, s.t, s.v, null);
  }

  /** Forgets a window; its samples leave the log when it is cut. */
  removeWindow(id: number): void {
    this.deleteWindow.run(id);
  }

  alert(rule: string, groupKey: string, a: SavedAlert): void {
    this.upsertAlert.run(rule, groupKey, JSON.stringify(a.labels), a.activeAt, a.firedAt ?? null, a.lastHeld ?? null, a.value ?? null);
  }

  removeAlert(rule: string, groupKey: string): void {
    this.deleteAlert.run(rule, groupKey);
  }
}

/** Keeps a window's bookkeeping right after a prune dropped `drop` samples from its front. */
export function trimmed(w: TrackedWindow, drop: number): void {
  w.firstSeq += drop;
  if (w.unsaved > w.samples.length) w.unsaved = w.samples.length;
  // saved no earlier than it arrived: a cut after that writes it again (at worst once too often)
  if (w.samples.length) w.headSavedAt = w.samples[0].t;
}
