/** The JSON API the pages call (`/ui/api/…`): issues and triage, traces, logs, services, CI runs, flaky tests and DORA, releases. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { cicd, type exceptions } from 'summit';
import { HttpError, numberParam, pairsParam, readJson, sendJson } from './http.js';
import { parseIssueSearch, SearchError } from './issue-search.js';
import type { Lake } from './lake.js';
import type { LiveStore } from './live-store.js';
import { buildsOf, doraTrends, FLAKY_EVENT, flakyTests, releaseHealth, servicegraphMap, spanmetricsGolden } from './metric-views.js';
import type { LogRow, SpanRow } from './rows.js';
import { uiChange } from './triage.js';
import { waterfall } from './waterfall.js';
import { ciGantt, ciRuns, durationHistogram, goldenSignals, serviceMap, spanMatches, traceResults, type CiRun, type TraceFilter } from './views.js';

const PAGE = 50;
const HOUR = 3_600_000;
/** How much earlier than its root a span of the trace may say it started (hosts' clocks differ). */
const TRACE_CLOCK_SKEW_MS = HOUR;
/** Spans of one trace the waterfall gets at most. */
const MAX_TRACE_SPANS = 20_000;
/** Pipeline runs the CI page lists and releases are matched against. */
const MAX_RUNS = 200;
const LAKE_RUN_DAYS = 30;

export interface UiSources {
  live: LiveStore;
  lake?: Lake;
  /** Resolves once the history the lake held at start is in the live store: release health, DORA, sparklines and services wait for it. */
  restored: Promise<void>;
  /** Undefined when no issue_store is configured. */
  issues(): exceptions.IssueQueries | undefined;
  apdexMs: number;
  /** The spanmetrics connector's namespace (its metrics' prefix). */
  spanmetricsNamespace: string;
}

const SORTS = new Set(['last_seen', 'first_seen', 'events', 'users']);

export class UiApi {
  constructor(private readonly src: UiSources) {}

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const p = url.searchParams;
    const path = url.pathname.slice('/ui/api'.length);
    let m: RegExpExecArray | null;
    if (req.method === 'GET' && path === '/issues') return sendJson(res, 200, await this.issueList(p)), true;
    if (req.method === 'POST' && path === '/issues/status') return sendJson(res, 200, await this.triage(req)), true;
    if (req.method === 'GET' && (m = /^\/issues\/([0-9a-f]{32})$/.exec(path))) {
      const issue = this.store().getIssue(m[1]);
      if (!issue) throw new HttpError(404, `no issue ${m[1]}`);
      await this.src.restored;
      return sendJson(res, 200, { ...issue, spark24: this.src.live.sparkline(issue.id, 24, 1), spark14: this.src.live.sparkline(issue.id, 14, 24) }), true;
    }
    if (req.method === 'GET' && (m = /^\/issues\/([0-9a-f]{32})\/events\/(\d+)$/.exec(path))) {
      const event = this.store().getEvent(m[1], Number(m[2]));
      if (!event) throw new HttpError(404, `issue ${m[1]} has no stored event ${m[2]}`);
      return sendJson(res, 200, event), true;
    }
    if (req.method === 'GET' && path === '/traces') return sendJson(res, 200, await this.traceSearch(p)), true;
    if (req.method === 'GET' && (m = /^\/traces\/([0-9a-f]{32})$/.exec(path))) {
      // the trace page preloads this beside its script: the script, ready at once, goes first
      await new Promise(setImmediate);
      return sendJson(res, 200, waterfall(await this.trace(m[1]))), true;
    }
    if (req.method === 'GET' && (m = /^\/traces\/([0-9a-f]{32})\/spans\/([0-9a-f]{16})$/.exec(path))) {
      const spanId = m[2];
      const span = (await this.trace(m[1])).find((s) => s.spanId === spanId);
      if (!span) throw new HttpError(404, `trace ${m[1]} has no span ${spanId} held or stored`);
      return sendJson(res, 200, span), true;
    }
    if (req.method === 'GET' && path === '/logs') return sendJson(res, 200, await this.logSearch(p)), true;
    if (req.method === 'GET' && path === '/services') return sendJson(res, 200, await this.services(p)), true;
    if (req.method === 'GET' && path === '/ci/runs') return sendJson(res, 200, { runs: await this.ciRuns() }), true;
    if (req.method === 'GET' && path === '/ci/flaky') return sendJson(res, 200, { tests: await this.flakyTests() }), true;
    if (req.method === 'GET' && path === '/ci/dora') {
      const days = numberParam(p, 'days') ?? 30;
      if (!Number.isInteger(days) || days < 1 || days > 35) throw new HttpError(400, `days: expected a whole number from 1 to 35, got ${days}`);
      await this.src.restored;
      return sendJson(res, 200, { days: doraTrends(this.src.live.pointHistory(), days, p.get('repository') || undefined) }), true;
    }
    if (req.method === 'GET' && (m = /^\/ci\/runs\/([0-9a-f]{32})$/.exec(path))) {
      const runId = m[1];
      const built = (await this.releases()).releases.filter((r) => r.builds.some((b) => b.traceId === runId));
      return sendJson(res, 200, { bars: ciGantt(await this.trace(runId)), releases: built.map(({ builds: _, ...r }) => r) }), true;
    }
    if (req.method === 'GET' && path === '/releases') return sendJson(res, 200, await this.releases()), true;
    return false;
  }

  private store(): exceptions.IssueQueries {
    const store = this.src.issues();
    if (!store) throw new HttpError(404, 'no issue store is configured for the UI (its issue_store key)');
    return store;
  }

  private async issueList(p: URLSearchParams) {
    let search;
    try {
      search = parseIssueSearch(p.get('q') ?? 'is:unresolved');
    } catch (err) {
      if (err instanceof SearchError) throw new HttpError(400, err.message);
      throw err;
    }
    const sort = p.get('sort') ?? 'last_seen';
    if (!SORTS.has(sort)) throw new HttpError(400, `sort: expected last_seen, first_seen, events or users, got "${sort}"`);
    const offset = numberParam(p, 'offset') ?? 0;
    const page = this.store().listIssues({ ...search, project: p.get('project') || undefined, sort: sort as exceptions.SortKey, offset, limit: PAGE + 1 });
    await this.src.restored;
    const live = this.src.live;
    return {
      issues: page.slice(0, PAGE).map((i) => ({ ...i, spark24: live.sparkline(i.id, 24, 1), spark14: live.sparkline(i.id, 14, 24) })),
      more: page.length > PAGE,
    };
  }

  private async triage(req: IncomingMessage) {
    const body = await readJson(req);
    const ids = body.ids;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > 1000 || ids.some((id) => typeof id !== 'string' || !/^[0-9a-f]{32}$/.test(id))) {
      throw new HttpError(400, 'ids: expected 1 to 1000 issue ids (32 hex digits)');
    }
    const change = uiChange(body);
    const store = this.store();
    const results = ids.map((id: string) => {
      try {
        return { id, status: store.setIssueStatus(id, change).status };
      } catch (err) {
        return { id, error: (err as Error).message };
      }
    });
    return { results };
  }

  private traceFilter(p: URLSearchParams): TraceFilter {
    return {
      service: p.get('service') || undefined,
      name: p.get('name') || undefined,
      minMs: numberParam(p, 'minMs'),
      maxMs: numberParam(p, 'maxMs'),
      status: p.get('status') || undefined,
      attributes: pairsParam(p, 'attr'),
      from: numberParam(p, 'from'),
      to: numberParam(p, 'to'),
    };
  }

  private async traceSearch(p: URLSearchParams) {
    const f = this.traceFilter(p);
    const limit = Math.min(numberParam(p, 'limit') ?? 100, 1000);
    const spans: SpanRow[] = [...this.src.live.recentSpans()].filter((s) => spanMatches(s, f));
    if (this.src.lake) spans.push(...(await this.src.lake.searchSpans(f, limit * 20)));
    const traces = traceResults(spans, limit);
    // while the lake's attribute filters are built, an attribute search reads more than it will
    const indexing = f.attributes?.length ? (this.src.lake?.bloom.building ?? false) : false;
    return { traces, histogram: durationHistogram(traces), indexing };
  }

  private async trace(traceId: string): Promise<SpanRow[]> {
    const byId = new Map<string, SpanRow>();
    let rootStart: number | undefined;
    for (const s of this.src.live.recentSpans()) {
      if (s.traceId !== traceId) continue;
      byId.set(s.spanId, s);
      if (!s.parentSpanId) rootStart = Math.min(rootStart ?? Infinity, s.start);
    }
    // a trace's spans start after its root: with the root held, the lake is read from its hour on (less an hour for clocks that differ)
    const from = rootStart === undefined ? undefined : rootStart - TRACE_CLOCK_SKEW_MS;
    if (this.src.lake) for (const s of await this.src.lake.traceSpans(traceId, from)) if (!byId.has(s.spanId)) byId.set(s.spanId, s);
    return [...byId.values()].sort((a, b) => a.start - b.start).slice(0, MAX_TRACE_SPANS);
  }

  private async logSearch(p: URLSearchParams) {
    const text = (p.get('q') ?? '').toLowerCase();
    const minSeverity = numberParam(p, 'severity') ?? 0;
    const service = p.get('service') || undefined;
    const attributes = pairsParam(p, 'attr');
    const after = numberParam(p, 'after');
    const from = numberParam(p, 'from');
    const to = numberParam(p, 'to');
    const limit = Math.min(numberParam(p, 'limit') ?? 200, 2000);
    const out: LogRow[] = [];
    let cursor = 0;
    for (const l of this.src.live.recentLogs()) {
      cursor = Math.max(cursor, l.seq);
      if (after !== undefined && l.seq <= after) break;
      if (out.length >= limit) continue;
      if (text && !l.body.toLowerCase().includes(text)) continue;
      if (l.severityNumber < minSeverity || (service && l.service !== service)) continue;
      if ((from !== undefined && l.time < from) || (to !== undefined && l.time > to)) continue;
      if (!attributes.every(([k, v]) => l.attributes[k] === v)) continue;
      out.push(l);
    }
    // a tail (after=) wants only what is new; a search also looks back into the lake
    if (after === undefined && this.src.lake && out.length < limit) {
      const seen = new Set(out.map((l) => `${l.time}\u0000${l.body}`));
      for (const l of await this.src.lake.searchLogs({ text, minSeverity, service, attributes, from, to }, limit - out.length)) {
        if (!seen.has(`${l.time}\u0000${l.body}`)) out.push(l);
      }
    }
    return { logs: out, cursor: Math.max(cursor, after ?? 0) };
  }

  /**
   * Golden signals from the spanmetrics connector's metrics and the map from servicegraph's when
   * they sent any within the window (live, or held in the lake at start), else both computed from
   * the spans (live, or held in the lake at start); `sources` says which.
   */
  private async services(p: URLSearchParams) {
    const windowMs = (numberParam(p, 'minutes') ?? 60) * 60_000;
    const live = this.src.live;
    await this.src.restored;
    const points = [...live.servicePoints()];
    const fromMetrics = spanmetricsGolden(points, this.src.spanmetricsNamespace, windowMs, this.src.apdexMs);
    const graph = servicegraphMap(points, windowMs);
    return {
      golden: fromMetrics.length ? fromMetrics : goldenSignals(live.serviceSpans(), windowMs, this.src.apdexMs),
      map: graph ?? serviceMap(live.serviceSpans(), windowMs),
      sources: { golden: fromMetrics.length ? 'spanmetrics' : 'spans', map: graph ? 'servicegraph' : 'spans' },
    };
  }

  /** Pipeline runs held live and, with a lake, those of its last 30 days (its date partitions bound the scan), newest first. */
  private async ciRuns(): Promise<CiRun[]> {
    const spans: SpanRow[] = [...this.src.live.recentSpans()];
    const from = Date.now() - LAKE_RUN_DAYS * 24 * HOUR;
    if (this.src.lake) spans.push(...(await this.src.lake.searchSpans({ attributes: [[cicd.CICD_SPAN_TYPE, 'pipeline_run']], from }, MAX_RUNS, true)));
    return ciRuns(spans, MAX_RUNS);
  }

  private async flakyTests() {
    const records: LogRow[] = [...this.src.live.recentFlakyTests()];
    if (this.src.lake) records.push(...(await this.src.lake.searchLogs({ eventName: FLAKY_EVENT }, 1000)));
    return flakyTests(records);
  }

  /** Per release: its new issues and their events, release health from its sessions, and the CI runs that built it. */
  private async releases() {
    const perRelease = new Map<string, { release: string; newIssues: number; events: number; firstSeen: number }>();
    for (const i of this.src.issues()?.listIssues({ sort: 'first_seen', limit: 5000 }) ?? []) {
      const r = i.firstRelease ?? '(none)';
      const row = perRelease.get(r) ?? { release: r, newIssues: 0, events: 0, firstSeen: i.firstSeen };
      row.newIssues++;
      row.events += i.events;
      row.firstSeen = Math.min(row.firstSeen, i.firstSeen);
      perRelease.set(r, row);
    }
    await this.src.restored;
    const health = releaseHealth(this.src.live.pointHistory(), this.src.live.usersPerRelease());
    for (const h of health.values()) if (!perRelease.has(h.release)) perRelease.set(h.release, { release: h.release, newIssues: 0, events: 0, firstSeen: Infinity });
    const runs = await this.ciRuns();
    const releases = [...perRelease.values()].map((r) => ({ ...r, firstSeen: Number.isFinite(r.firstSeen) ? r.firstSeen : null, health: health.get(r.release) ?? null, builds: buildsOf(r.release, runs) }));
    // newest first; releases with sessions but no issue yet lead
    const order = (r: { firstSeen: number | null }) => r.firstSeen ?? Number.MAX_SAFE_INTEGER;
    return { releases: releases.sort((a, b) => order(b) - order(a)), windowHours: 24 * 14, hour: HOUR };
  }
}
