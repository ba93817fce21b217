/** How `summit issues` prints issues: a table and a detail view for people, JSON for scripts. */
import type { AnyValue } from '../pipeline/model.js';
import { errorEventFromAnyValue } from '../pipeline/exceptions/body.js';
import type { ExceptionValue, Frame, Stacktrace } from '../pipeline/exceptions/model.js';
import { toAnyValue } from '../pipeline/model-ops.js';
import type { IssueDetail, IssueSummary, StoredEvent } from '../extensions/issue_store/index.js';

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

/** Control characters would break a table row or fake one. */
const oneLine = (s: string) => s.replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? ' ' : '?'));

export function issueJson(i: IssueSummary) {
  return { ...i, firstSeen: iso(i.firstSeen), lastSeen: iso(i.lastSeen) };
}

export function issueDetailJson(i: IssueDetail) {
  return {
    ...issueJson(i),
    statusChangedAt: iso(i.statusChangedAt),
    ignore: i.ignore && { ...i.ignore, ...(i.ignore.untilMs !== undefined && { untilMs: undefined, until: iso(i.ignore.untilMs) }) },
    tags: i.tags.map((t) => ({ key: t.key, values: t.values.map((v) => ({ ...v, firstSeen: iso(v.firstSeen), lastSeen: iso(v.lastSeen) })) })),
    samples: i.samples.map((s) => ({ ...s, time: iso(s.time), received: iso(s.received) })),
    latestEvent: i.latestEvent && { ...i.latestEvent, time: iso(i.latestEvent.time), received: iso(i.latestEvent.received) },
  };
}

/** Rows with their columns aligned; numbers right-aligned; the last column cut to the terminal's width. */
function table(header: string[], rows: string[][], numeric: Set<number>, columns?: number): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const last = header.length - 1;
  const line = (r: string[]) => {
    const text = r.map((c, i) => (i === last ? c : numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
    return columns && text.length > columns ? `${text.slice(0, Math.max(columns - 1, 0))}…` : text;
  };
  return [line(header), ...rows.map(line)].join('\n');
}

export function issueTable(issues: IssueSummary[], columns?: number): string {
  const rows = issues.map((i) => [i.id.slice(0, 12), i.status, String(i.events), String(i.users), iso(i.lastSeen)!, iso(i.firstSeen)!, oneLine(i.project), oneLine(i.title)]);
  const body = issues.length ? `${table(['ID', 'STATUS', 'EVENTS', 'USERS', 'LAST SEEN', 'FIRST SEEN', 'PROJECT', 'TITLE'], rows, new Set([2, 3]), columns)}\n` : '';
  return `${body}(${issues.length} issue${issues.length === 1 ? '' : 's'})\n`;
}

/** The status with what it waits for: the release, the ignore's end. */
export function statusText(i: IssueDetail): string {
  if (i.status === 'resolved_in_next_release') return `resolved in the next release (reopens for a release newer than ${i.resolvedInRelease})`;
  if (i.status !== 'ignored') return i.status;
  const until = [
    i.ignore?.untilMs !== undefined && `until ${iso(i.ignore.untilMs)}`,
    i.ignore?.events && `until ${i.ignore.events.count} more events (${i.ignore.events.since} so far)`,
    i.ignore?.users && `until ${i.ignore.users.count} more users (${i.ignore.users.since} so far)`,
  ].filter(Boolean);
  return until.length ? `ignored ${until.join(' or ')}` : 'ignored (until reopened)';
}

export function triageLine(summary: IssueSummary, detail: IssueDetail): string {
  return `${summary.id.slice(0, 12)} ${statusText(detail)}: ${oneLine(summary.title)}\n`;
}

export function issueDetailText(i: IssueDetail): string {
  const out: string[] = [oneLine(i.title), oneLine(i.culprit), ''];
  const field = (name: string, value: string) => out.push(`${name.padEnd(13)}${value}`);
  field('id', i.id);
  field('project', oneLine(i.project));
  field('status', statusText(i));
  field('level', `${i.level ?? '-'}    platform ${i.platform}`);
  field('events', `${i.events}    users ${i.users}`);
  field('first seen', `${iso(i.firstSeen)}${i.firstRelease ? `  in ${oneLine(i.firstRelease)}` : ''}`);
  field('last seen', `${iso(i.lastSeen)}${i.lastRelease ? `  in ${oneLine(i.lastRelease)}` : ''}`);
  if (i.releases.length) field('releases', i.releases.map(oneLine).join(', '));
  if (i.environments.length) field('environments', i.environments.map(oneLine).join(', '));
  if (i.tags.length) {
    out.push('', 'Tags (most frequent values)');
    for (const t of i.tags) {
      const total = t.values.reduce((n, v) => n + v.count, 0);
      out.push(`  ${oneLine(t.key)}: ${t.values.map((v) => `${oneLine(v.value)} (${v.count}, ${Math.round((100 * v.count) / total)}%)`).join(', ')}`);
    }
  }
  if (i.latestEvent) out.push('', ...eventText(i.latestEvent));
  return `${out.join('\n')}\n`;
}

function eventText(e: StoredEvent): string[] {
  const out = [`Latest event${e.eventId ? ` ${e.eventId}` : ''} at ${iso(e.time)} (received ${iso(e.received)}; ${e.first ? 'also the first' : 'one of the latest kept'})`];
  const body = toAnyValue(e.event) as AnyValue;
  const event = errorEventFromAnyValue(body) ?? {};
  const message = event.logentry?.formatted ?? event.logentry?.message;
  if (message) out.push('', `Message: ${oneLine(message)}`);
  const exceptions = event.exception?.values ?? [];
  if (exceptions.length) {
    out.push('', 'Stack trace (most recent call first)');
    // the raised exception is the last one; its causes come before it
    [...exceptions].reverse().forEach((ex, n) => out.push(...exceptionText(ex, n > 0)));
  } else {
    const thread = event.threads?.values.find((t) => t.crashed) ?? event.threads?.values.find((t) => t.current);
    const stack = thread?.stacktrace ?? event.stacktrace;
    if (stack) out.push('', 'Stack trace (most recent call first)', ...framesText(stack));
  }
  const crumbs = breadcrumbs(e.event);
  if (crumbs.length) out.push('', 'Breadcrumbs (oldest first)', ...crumbs.map((b) => `  ${b}`));
  if (event.tags?.length) out.push('', 'Event tags', ...event.tags.map(([k, v]) => `  ${oneLine(k)}: ${oneLine(v)}`));
  return out;
}

function exceptionText(ex: ExceptionValue, cause: boolean): string[] {
  const name = [ex.module && ex.type ? `${ex.module}.${ex.type}` : ex.type, ex.value].filter(Boolean).join(': ');
  return [`${cause ? 'Caused by: ' : ''}${oneLine(name || '(no type or message)')}`, ...(ex.stacktrace ? framesText(ex.stacktrace) : [])];
}

function framesText(stack: Stacktrace): string[] {
  return [...stack.frames].reverse().flatMap(frameText);
}

function frameText(f: Frame): string[] {
  const where = [f.filename ?? f.abs_path ?? f.package, f.lineno, f.colno].filter((x) => x !== undefined).join(':');
  const fn = [f.module, f.function].filter(Boolean).join('.') || '?';
  const out = [`  at ${oneLine(fn)}${where ? ` (${oneLine(where)})` : ''}${f.in_app ? '  [app]' : ''}`];
  // why the symbolication processor left the frame minified (see `summit sourcemaps explain`)
  const unresolved = (f.data?.symbolication_error as { message?: unknown } | undefined)?.message;
  if (typeof unresolved === 'string') out.push(`    not source-mapped: ${oneLine(unresolved)}`);
  if (f.context_line === undefined) return out;
  const pre = f.pre_context ?? [];
  const post = f.post_context ?? [];
  const first = f.lineno === undefined ? undefined : f.lineno - pre.length;
  const numbered = (text: string, k: number, mark: string) => `    ${mark} ${first === undefined ? '' : String(first + k).padStart(5)} | ${oneLine(text)}`;
  pre.forEach((l, k) => out.push(numbered(l, k, ' ')));
  out.push(numbered(f.context_line, pre.length, '>'));
  post.forEach((l, k) => out.push(numbered(l, pre.length + 1 + k, ' ')));
  return out;
}

/** A Sentry event's breadcrumbs (`{values: [...]}` or a bare list), one line each. */
function breadcrumbs(event: Record<string, unknown>): string[] {
  const raw = event.breadcrumbs;
  const list = Array.isArray(raw) ? raw : Array.isArray((raw as { values?: unknown })?.values) ? (raw as { values: unknown[] }).values : [];
  return list.flatMap((b) => {
    if (typeof b !== 'object' || b === null) return [];
    const c = b as Record<string, unknown>;
    const time = typeof c.timestamp === 'number' ? iso(c.timestamp * 1000) : typeof c.timestamp === 'string' ? c.timestamp : '';
    const parts = [time, c.category !== undefined && `[${String(c.category)}]`, typeof c.level === 'string' && c.level, typeof c.message === 'string' && c.message];
    if (c.data !== undefined && c.data !== null) parts.push(JSON.stringify(c.data));
    return [oneLine(parts.filter(Boolean).join(' '))];
  });
}
