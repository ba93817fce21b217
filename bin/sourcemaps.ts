/**
 * `summit sourcemaps`: what was uploaded (`ls`), why a stored event's frames were or were not
 * resolved (`explain`, Summit's answer to `sentry-cli sourcemaps explain`), and the upload
 * token (`token`).
 */
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ArtifactIndex, getIssue, IssueDatabase, IssueDatabaseError, IssueQueryError, resolveIssueId } from '../extensions/issue_store/index.js';
import type { Frame } from '../pipeline/exceptions/model.js';
import type { StoredArtifact } from '../pipeline/sourcemaps.js';
import { buildSymbolicator, framePath, type SymbolicationConfig } from '../processors/symbolication/index.js';
import { DEFAULT_TOKEN_FILE, loadOrCreateToken } from '../receivers/sentry/uploads/token.js';
import { databasePath, type IssuesIo, type Values } from './issues.js';
import { ConfigError, errorsOf, loadConfig } from './load-config.js';

export const SOURCEMAPS_HELP = `summit sourcemaps — source maps uploaded to Summit, and how frames were resolved

Usage:
  summit sourcemaps ls [--release R] [--format table|json]
  summit sourcemaps explain EVENT_ID|ISSUE_ID
  summit sourcemaps token

explain takes a Sentry event id (32 hex digits) of a stored sample event, or an issue id (or
its first 4+ characters) for the issue's latest event, and prints for each JavaScript frame
the lookups tried (debug id, release files, configured directories, fetching) and their result.

Options:
      --db PATH        the issue database (default: the issue_store's path in --config, else ./data/issues.sqlite)
  -c, --config FILE    take paths (database, upload token, symbolication's directories) from this Summit config
      --release R      ls: one release
  -f, --format FORMAT  ls: table (default) or json

Exit codes: 0 ok, 1 no database, no such event or issue, 2 bad usage.
`;

const processIo: IssuesIo = { stdout: (t) => void process.stdout.write(t), stderr: (t) => void process.stderr.write(t) };

export async function sourcemapsCommand(argv: string[], io: IssuesIo = processIo): Promise<number> {
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        db: { type: 'string' },
        config: { type: 'string', short: 'c', multiple: true },
        release: { type: 'string' },
        format: { type: 'string', short: 'f', default: 'table' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    io.stderr(`summit sourcemaps: ${(err as Error).message}\n\n${SOURCEMAPS_HELP}`);
    return 2;
  }
  if (values.help) {
    io.stdout(SOURCEMAPS_HELP);
    return 0;
  }
  const [command, target, ...extra] = positionals;
  const usage = (message: string) => {
    io.stderr(`summit sourcemaps: ${message}\n\n${SOURCEMAPS_HELP}`);
    return 2;
  };
  if (!['ls', 'explain', 'token'].includes(command ?? '')) return usage(command === undefined ? 'give a command: ls, explain or token' : `unknown command "${command}"`);
  if (extra.length || (command !== 'explain' && target !== undefined)) return usage(`unexpected "${[target, ...extra].filter(Boolean).join(' ')}"`);
  if (command === 'explain' && target === undefined) return usage('explain needs an event id or an issue id');
  if (values.format !== 'table' && values.format !== 'json') return usage(`--format must be table or json, not "${values.format}"`);

  const settings = await configSettings(values, io);
  if (!settings) return 1;
  if (command === 'token') {
    io.stdout(`${settings.token ?? loadOrCreateToken(settings.tokenFile)}\n`);
    return 0;
  }
  const path = await databasePath(values, io);
  if (path === undefined) return 1;
  let db: IssueDatabase | undefined;
  let artifacts: ArtifactIndex | undefined;
  try {
    db = IssueDatabase.open(path, { create: false });
    artifacts = new ArtifactIndex(path, join(dirname(path), 'artifacts'));
    if (command === 'ls') {
      const list = artifacts.list(values.release === undefined ? {} : { release: values.release as string });
      io.stdout(values.format === 'json' ? `${JSON.stringify(list, null, 2)}\n` : artifactTable(list));
      return 0;
    }
    return await explain(db, artifacts, target!, settings.symbolication, io);
  } catch (err) {
    if (!(err instanceof IssueDatabaseError || err instanceof IssueQueryError)) throw err;
    io.stderr(`summit sourcemaps: ${err.message}\n`);
    return 1;
  } finally {
    artifacts?.close();
    db?.close();
  }
}

interface Settings {
  token?: string;
  tokenFile: string;
  symbolication: { config: SymbolicationConfig; configDir: string };
}

/** The upload token and the symbolication processor's config, from --config when given. */
async function configSettings(values: Values, io: IssuesIo): Promise<Settings | undefined> {
  const files = (values.config as string[] | undefined) ?? [];
  const none: Settings = { tokenFile: resolve(DEFAULT_TOKEN_FILE), symbolication: { config: { sourcemaps: [] } as unknown as SymbolicationConfig, configDir: process.cwd() } };
  if (!files.length) return none;
  const loaded = await loadConfig(files, []).catch((err: unknown) => {
    if (err instanceof ConfigError) return { config: undefined, problems: err.problems };
    throw err;
  });
  if (!loaded.config || errorsOf(loaded.problems).length) {
    io.stderr(`summit sourcemaps: the config is invalid (summit validate --config ... says why)\n`);
    return undefined;
  }
  const settings = { ...none };
  const sentry = [...loaded.config.receivers.values()].find((r) => r.type === 'sentry' && (r.config as { uploads?: unknown }).uploads);
  const uploads = (sentry?.config as { uploads?: { token?: string; token_file?: string } } | undefined)?.uploads;
  if (uploads?.token) settings.token = uploads.token;
  if (uploads?.token_file) settings.tokenFile = resolve(sentry!.configDir, uploads.token_file);
  const processor = [...loaded.config.processors.values()].find((p) => p.type === 'symbolication');
  if (processor) settings.symbolication = { config: processor.config as SymbolicationConfig, configDir: processor.configDir };
  return settings;
}

function artifactTable(list: StoredArtifact[]): string {
  if (!list.length) return 'no source map artifacts uploaded\n';
  const rows = list.map((a) => [a.release ?? '-', a.dist ?? '-', a.type, a.url, a.debugId ?? '-', String(a.size), new Date(a.uploaded).toISOString()]);
  const head = ['RELEASE', 'DIST', 'TYPE', 'URL', 'DEBUG ID', 'BYTES', 'UPLOADED'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return `${[head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n')}\n`;
}

async function explain(db: IssueDatabase, artifacts: ArtifactIndex, target: string, sym: Settings['symbolication'], io: IssuesIo): Promise<number> {
  let json: string;
  let label: string;
  const sample = /^[0-9a-f]{32}$|^[0-9a-f-]{36}$/i.test(target) ? artifacts.sampleByEventId(target) : undefined;
  if (sample) {
    json = sample.json;
    label = `event ${target} (issue ${sample.issueId})`;
  } else {
    const issue = getIssue(db, resolveIssueId(db, target));
    if (!issue?.latestEvent) throw new IssueQueryError(`issue ${target} has no stored event`);
    json = JSON.stringify(issue.latestEvent.event);
    label = `the latest event${issue.latestEvent.eventId ? ` ${issue.latestEvent.eventId}` : ''} of issue ${issue.id}`;
  }
  const event = JSON.parse(json) as Record<string, unknown>;
  const { resolver } = buildSymbolicator(sym.config, sym.configDir, () => artifacts);
  const out = [`Source maps for ${label}: platform ${String(event.platform ?? '?')}, release ${String(event.release ?? '(none)')}, dist ${String(event.dist ?? '(none)')}`];
  const debugIds = new Map<string, string>();
  const images = (event.debug_meta as { images?: { type?: string; code_file?: string; debug_id?: string }[] } | undefined)?.images ?? [];
  for (const i of images) if (i.type === 'sourcemap' && i.code_file && i.debug_id) debugIds.set(i.code_file, i.debug_id.toLowerCase());
  out.push(debugIds.size ? `debug ids: ${[...debugIds].map(([file, id]) => `${id} (${file})`).join(', ')}` : 'debug ids: none (debug_meta.images has no sourcemap image)');
  const values = ((event.exception as { values?: { type?: string; stacktrace?: { frames?: Frame[] }; raw_stacktrace?: { frames?: Frame[] } }[] } | undefined)?.values ?? []).slice().reverse();
  const ctx = { release: typeof event.release === 'string' ? event.release : undefined, dist: typeof event.dist === 'string' ? event.dist : undefined, debugIds };
  for (const ex of values) {
    const raw = ex.raw_stacktrace?.frames ?? ex.stacktrace?.frames ?? [];
    const now = ex.stacktrace?.frames ?? [];
    out.push('', `${ex.type ?? 'Exception'} (most recent call first)`);
    for (let k = raw.length - 1; k >= 0; k--) {
      const f = raw[k];
      const path = framePath(f);
      out.push(`  at ${f.function ?? '?'} (${[path, f.lineno, f.colno].filter((x) => x !== undefined).join(':')})`);
      if (!path || f.lineno === undefined) {
        out.push('    not looked up: no path or line');
        continue;
      }
      const lookup = await resolver.lookup(path, ctx);
      for (const s of lookup.steps) out.push(`    ${s.found ? '✓' : '✗'} ${s.step}: ${s.detail}`);
      const stored = now[k];
      if (stored?.data?.symbolicated === true) out.push(`    → ${stored.function ?? '?'} (${[stored.filename, stored.lineno, stored.colno].join(':')})`);
      else if (stored?.data?.symbolication_error) out.push('    → left minified when it was stored');
    }
  }
  io.stdout(`${out.join('\n')}\n`);
  return 0;
}
