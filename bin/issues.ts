/**
 * `summit issues`: list, show and triage the issues in the issue_store extension's database,
 * while Summit runs or not.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatProblemLine } from '../config/types.js';
import { parseDuration } from '../pipeline/duration.js';
import {
  getIssue,
  IssueDatabase,
  IssueDatabaseError,
  IssueQueryError,
  ISSUE_STATUSES,
  ISSUE_STORE_DEFAULTS,
  listIssues,
  resolveIssueId,
  resolveIssueStoreConfig,
  setIssueStatus,
  SORT_KEYS,
  type IssueStatus,
  type IssueStoreConfig,
  type SortKey,
  type TriageChange,
} from '../extensions/issue_store/index.js';
import { issueDetailJson, issueDetailText, issueJson, issueTable, triageLine } from './issues-format.js';
import { ConfigError, errorsOf, loadConfig } from './load-config.js';

export const ISSUES_HELP = `summit issues — the issues in the issue_store extension's database

Usage:
  summit issues [--status S] [--project P] [--sort KEY] [--limit N] [--format table|json]
  summit issues show ID [--format table|json]
  summit issues resolve ID [--next-release]
  summit issues ignore ID [--until DURATION] [--count N] [--users N]
  summit issues reopen ID

ID is an issue id (issue.id on the error) or its first 4 or more characters.

Options:
      --db PATH         the database (default: the issue_store's path in --config, else ./data/issues.sqlite)
  -c, --config FILE     take the database path from this Summit config's issue_store extension (repeatable, merged)
      --status S        unresolved, resolved, resolved_in_next_release or ignored
      --project P       one project
      --sort KEY        last_seen (default), first_seen, events or users; most first
      --limit N         at most N issues (default 50)
  -f, --format FORMAT   table (default) or json
      --next-release    resolve: until an event of a release newer than the project's latest comes
      --until DURATION  ignore: until this long from now (e.g. 24h)
      --count N         ignore: until N more events
      --users N         ignore: until N more users are affected
  Without --until/--count/--users, ignore is for good (until reopened).

Exit codes: 0 ok, 1 no database or no such issue, 2 bad usage.
`;

export interface IssuesIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Terminal width for the table, when the output is a terminal. */
  columns?: number;
}

const processIo: IssuesIo = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  columns: process.stdout.isTTY ? process.stdout.columns : undefined,
};

class UsageError extends Error {}

/** Runs the command; returns the exit code. */
export async function issuesCommand(argv: string[], io: IssuesIo = processIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        db: { type: 'string' },
        config: { type: 'string', short: 'c', multiple: true },
        status: { type: 'string' },
        project: { type: 'string' },
        sort: { type: 'string', default: 'last_seen' },
        limit: { type: 'string', default: '50' },
        format: { type: 'string', short: 'f', default: 'table' },
        'next-release': { type: 'boolean' },
        until: { type: 'string' },
        count: { type: 'string' },
        users: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.stderr(`summit issues: ${(err as Error).message}\n\n${ISSUES_HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(ISSUES_HELP);
    return 0;
  }
  const [command = 'list', id, ...extra] = positionals;
  let run: (db: IssueDatabase) => void;
  try {
    if (values.format !== 'table' && values.format !== 'json') throw new UsageError(`--format must be table or json, not "${values.format}"`);
    const json = values.format === 'json';
    if (command === 'list') {
      if (id !== undefined) throw new UsageError(`unknown command "${id}"`);
      const opts = listOptions(values);
      run = (db) => {
        const issues = listIssues(db, opts);
        io.stdout(json ? `${JSON.stringify(issues.map(issueJson), null, 2)}\n` : issueTable(issues, io.columns));
      };
    } else if (['show', 'resolve', 'ignore', 'reopen'].includes(command)) {
      if (id === undefined) throw new UsageError(`summit issues ${command} needs an issue id`);
      if (extra.length) throw new UsageError(`unexpected "${extra.join(' ')}"`);
      if (command === 'show') {
        run = (db) => {
          const issue = getIssue(db, resolveIssueId(db, id))!;
          io.stdout(json ? `${JSON.stringify(issueDetailJson(issue), null, 2)}\n` : issueDetailText(issue));
        };
      } else {
        const change = triageChange(command, values);
        run = (db) => {
          const issue = setIssueStatus(db, resolveIssueId(db, id), change);
          io.stdout(json ? `${JSON.stringify(issueJson(issue), null, 2)}\n` : triageLine(issue, getIssue(db, issue.id)!));
        };
      }
    } else {
      throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`summit issues: ${err.message}\n\n${ISSUES_HELP}`);
    return 2;
  }

  const path = await databasePath(values, io);
  if (path === undefined) return 1;
  let db: IssueDatabase | undefined;
  try {
    db = IssueDatabase.open(path, { create: false });
    run(db);
    return 0;
  } catch (err) {
    if (!(err instanceof IssueDatabaseError || err instanceof IssueQueryError)) throw err;
    io.stderr(`summit issues: ${err.message}\n`);
    return 1;
  } finally {
    db?.close();
  }
}

export type Values = Record<string, string | boolean | string[] | undefined>;

function listOptions(values: Values) {
  const status = values.status as string | undefined;
  if (status !== undefined && !ISSUE_STATUSES.includes(status as IssueStatus)) throw new UsageError(`--status must be one of ${ISSUE_STATUSES.join(', ')}, not "${status}"`);
  const sort = values.sort as string;
  if (!SORT_KEYS.includes(sort as SortKey)) throw new UsageError(`--sort must be one of ${SORT_KEYS.join(', ')}, not "${sort}"`);
  return {
    ...(status !== undefined && { status: status as IssueStatus }),
    ...(values.project !== undefined && { project: values.project as string }),
    sort: sort as SortKey,
    limit: positiveInteger('--limit', values.limit as string),
  };
}

function triageChange(command: string, values: Values): TriageChange {
  const ignoreFlags = (['until', 'count', 'users'] as const).filter((k) => values[k] !== undefined);
  if (command !== 'ignore' && ignoreFlags.length) throw new UsageError(`--${ignoreFlags[0]} belongs to ignore, not ${command}`);
  if (command !== 'resolve' && values['next-release']) throw new UsageError(`--next-release belongs to resolve, not ${command}`);
  if (command === 'resolve') return { status: values['next-release'] ? 'resolved_in_next_release' : 'resolved' };
  if (command === 'reopen') return { status: 'unresolved' };
  const change: TriageChange & { status: 'ignored' } = { status: 'ignored' };
  if (values.until !== undefined) {
    let ms: number;
    try {
      ms = parseDuration(values.until as string);
    } catch (err) {
      throw new UsageError(`--until: ${(err as Error).message}`);
    }
    if (ms <= 0) throw new UsageError(`--until must be a positive duration, not "${values.until}"`);
    change.untilMs = Date.now() + ms;
  }
  if (values.count !== undefined) change.count = positiveInteger('--count', values.count as string);
  if (values.users !== undefined) change.users = positiveInteger('--users', values.users as string);
  return change;
}

function positiveInteger(flag: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${flag} must be a whole number of at least 1, not "${text}"`);
  return Number(text);
}

/** --db, else the issue_store extension's path in --config, else the default; undefined after reporting why not. */
export async function databasePath(values: Values, io: IssuesIo): Promise<string | undefined> {
  if (values.db !== undefined) return resolve(values.db as string);
  const files = (values.config as string[] | undefined) ?? [];
  if (files.length === 0) return resolve(ISSUE_STORE_DEFAULTS.path);
  const loaded = await loadConfig(files, []).catch((err: unknown) => {
    if (err instanceof ConfigError) return { config: undefined, problems: err.problems };
    throw err;
  });
  const errors = errorsOf(loaded.problems);
  if (!loaded.config || errors.length) {
    for (const p of errors) io.stderr(`${formatProblemLine(p)}\n`);
    io.stderr(`summit issues: the config is invalid; fix it or give --db PATH\n`);
    return undefined;
  }
  const stores = [...loaded.config.extensions.values()].filter((c) => c.type === 'issue_store');
  if (stores.length !== 1) {
    io.stderr(
      stores.length
        ? `summit issues: the config has several issue stores (${stores.map((s) => s.id).join(', ')}); give --db PATH\n`
        : `summit issues: the config (${files.join(', ')}) has no issue_store extension; give --db PATH\n`,
    );
    return undefined;
  }
  return resolveIssueStoreConfig(stores[0].config as IssueStoreConfig, stores[0].configDir).path;
}
