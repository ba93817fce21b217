/**
 * The subset of Sentry's Web API (`/api/0/`) that `sentry-cli issues list|resolve|mute|unresolve`
 * and other API clients use: a project's issues (list, bulk update), an issue (detail, update),
 * its events and latest event. Sentry's issue ids are numbers (sentry-cli parses them as such):
 * an issue's API id is the number its first 15 hex digits (60 bits) spell, which the store
 * resolves back as an id prefix; Summit's 32-hex ids are accepted too. A project's slug is its
 * id as the issue store keeps it (the sentry receiver's project id, or service.name).
 */
import type { exceptions } from 'summit';
import { HttpError, readJson, sendJson } from './http.js';
import { parseIssueSearch } from './issue-search.js';
import { sentryChange } from './triage.js';
import type { IncomingMessage, ServerResponse } from 'node:http';

const PAGE = 100;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const API_ID_HEX = 15;

export const apiIssueId = (id: string) => BigInt(`0x${id.slice(0, API_ID_HEX)}`).toString();

export function sentryIssue(i: exceptions.IssueSummary, baseUrl: string): Record<string, unknown> {
  return {
    id: apiIssueId(i.id),
    shortId: `${i.project.toUpperCase()}-${i.id.slice(0, 8).toUpperCase()}`,
    title: i.title,
    culprit: i.culprit,
    level: i.level ?? 'error',
    status: i.status === 'resolved_in_next_release' ? 'resolved' : i.status,
    statusDetails: i.status === 'resolved_in_next_release' ? { inNextRelease: true } : {},
    substatus: i.status === 'unresolved' ? 'ongoing' : null,
    count: String(i.events),
    userCount: i.users,
    firstSeen: iso(i.firstSeen),
    lastSeen: iso(i.lastSeen),
    permalink: `${baseUrl}/issues/${i.id}`,
    platform: i.platform,
    project: { id: i.project, slug: i.project, name: i.project },
    metadata: { title: i.title },
    type: 'error',
    firstRelease: i.firstRelease && { version: i.firstRelease },
    lastRelease: i.lastRelease && { version: i.lastRelease },
  };
}

function sentryEvent(issueId: string, e: exceptions.StoredEvent): Record<string, unknown> {
  return { ...e.event, id: e.eventId ?? String(e.pk), eventID: e.eventId ?? String(e.pk), groupID: apiIssueId(issueId), dateCreated: iso(e.received), dateReceived: iso(e.received) };
}

export class SentryApi {
  constructor(
    private readonly issues: () => exceptions.IssueQueries,
    private readonly baseUrl: (req: IncomingMessage) => string,
  ) {}

  /** Answers a request under /api/0/; false when the path is not one this API has. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname;
    let m: RegExpExecArray | null;
    if ((m = /^\/api\/0\/projects\/([^/]+)\/([^/]+)\/issues\/?$/.exec(path))) {
      const project = decodeURIComponent(m[2]);
      if (req.method === 'GET') return this.list(req, res, url, project), true;
      if (req.method === 'PUT') return await this.bulkUpdate(req, res, url, project), true;
    }
    if ((m = /^\/api\/0\/(?:organizations\/[^/]+\/)?issues\/(\d+|[0-9a-f]{32})\/?$/.exec(path))) {
      if (req.method === 'GET') return sendJson(res, 200, this.detail(m[1], req)), true;
      if (req.method === 'PUT') {
        const summary = this.change(this.detailOf(m[1]).id, sentryChange(await readJson(req)));
        return sendJson(res, 200, sentryIssue(summary, this.baseUrl(req))), true;
      }
    }
    if ((m = /^\/api\/0\/(?:organizations\/[^/]+\/)?issues\/(\d+|[0-9a-f]{32})\/events\/?$/.exec(path)) && req.method === 'GET') {
      const issue = this.detailOf(m[1]);
      const events = issue.samples.map((s) => this.store().getEvent(issue.id, s.pk)).filter((e): e is exceptions.StoredEvent => e !== undefined);
      return sendJson(res, 200, events.map((e) => sentryEvent(issue.id, e))), true;
    }
    if ((m = /^\/api\/0\/(?:organizations\/[^/]+\/)?issues\/(\d+|[0-9a-f]{32})\/events\/latest\/?$/.exec(path)) && req.method === 'GET') {
      const issue = this.detailOf(m[1]);
      if (!issue.latestEvent) throw new HttpError(404, `issue ${issue.id} has no stored event`);
      return sendJson(res, 200, sentryEvent(issue.id, issue.latestEvent)), true;
    }
    return false;
  }

  private store(): exceptions.IssueQueries {
    return this.issues();
  }

  /** The issue an API id (a number, or Summit's hex id) names; 404 when none. */
  private detailOf(apiId: string): exceptions.IssueDetail {
    const prefix = /^\d+$/.test(apiId) ? BigInt(apiId).toString(16).padStart(API_ID_HEX, '0') : apiId.toLowerCase();
    let issue: exceptions.IssueDetail | undefined;
    try {
      issue = prefix.length <= 32 ? this.store().getIssue(this.store().resolveIssueId(prefix)) : undefined;
    } catch (err) {
      throw new HttpError(404, (err as Error).message);
    }
    if (!issue) throw new HttpError(404, `no issue ${apiId}`);
    return issue;
  }

  private change(id: string, change: exceptions.TriageChange): exceptions.IssueSummary {
    try {
      return this.store().setIssueStatus(id, change);
    } catch (err) {
      throw new HttpError(400, (err as Error).message);
    }
  }

  private detail(id: string, req: IncomingMessage): Record<string, unknown> {
    const d = this.detailOf(id);
    return {
      ...sentryIssue(d, this.baseUrl(req)),
      tags: d.tags.map((t) => ({ key: t.key, name: t.key, totalValues: t.values.reduce((n, v) => n + v.count, 0), topValues: t.values.map((v) => ({ value: v.value, count: v.count, firstSeen: iso(v.firstSeen), lastSeen: iso(v.lastSeen) })) })),
    };
  }

  private matching(url: URL, project: string, offset: number, limit: number): exceptions.IssueSummary[] {
    const search = parseIssueSearch(url.searchParams.get('query') ?? '');
    const status = url.searchParams.get('status');
    return this.store().listIssues({ ...search, ...(status ? parseIssueSearch(`is:${status}`) : {}), tags: search.tags, project, sort: 'last_seen', offset, limit });
  }

  private list(req: IncomingMessage, res: ServerResponse, url: URL, project: string): void {
    const offset = Number(/^\d+:(\d+):\d+$/.exec(url.searchParams.get('cursor') ?? '')?.[1] ?? 0);
    const page = this.matching(url, project, offset, PAGE + 1);
    const more = page.length > PAGE;
    const next = new URL(url);
    next.searchParams.set('cursor', `0:${offset + PAGE}:0`);
    const prev = new URL(url);
    prev.searchParams.set('cursor', `0:${Math.max(0, offset - PAGE)}:1`);
    const base = this.baseUrl(req);
    sendJson(
      res,
      200,
      page.slice(0, PAGE).map((i) => sentryIssue(i, base)),
      {
        link: `<${base}${prev.pathname}${prev.search}>; rel="previous"; results="${offset > 0}"; cursor="0:${Math.max(0, offset - PAGE)}:1", <${base}${next.pathname}${next.search}>; rel="next"; results="${more}"; cursor="0:${offset + PAGE}:0"`,
      },
    );
  }

  /** `?id=…&id=…`, or without ids every issue the query matches (at most 1000), as Sentry does. */
  private async bulkUpdate(req: IncomingMessage, res: ServerResponse, url: URL, project: string): Promise<void> {
    const change = sentryChange(await readJson(req));
    const ids = url.searchParams.getAll('id');
    const targets = ids.length ? ids.map((id) => this.detailOf(id)) : this.matching(url, project, 0, 1000);
    for (const t of targets) {
      if (t.project !== project) throw new HttpError(404, `issue ${t.id} is not in project ${project}`);
    }
    for (const t of targets) this.change(t.id, change);
    const status = change.status === 'resolved_in_next_release' ? 'resolved' : change.status;
    sendJson(res, 200, { status, statusDetails: change.status === 'resolved_in_next_release' ? { inNextRelease: true } : {} });
  }
}
