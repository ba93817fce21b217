/**
 * `summit alerts silence …` and `summit incidents …`: silences, incidents, acknowledgement and
 * post-mortem drafts in the webhook exporter's state file, while Summit runs or not (the
 * running exporter reads silences and acknowledgements from the same file).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../pipeline/duration.js';
import { WEBHOOK_DEFAULTS } from '../exporters/webhook/config.js';
import { deploymentWindow, postmortemMarkdown } from '../exporters/webhook/postmortem.js';
import { AlertState, StateError, type Incident, type IncidentStatus } from '../exporters/webhook/state.js';
import type { IssuesIo } from './issues.js';
import { formatTable } from './table.js';

export const ALERTS_HELP = `summit alerts — silences in the webhook exporter's state

Usage:
  summit alerts silence add MATCHER... [--duration 2h | --end TIME] [--start TIME] [--comment TEXT] [--author NAME]
  summit alerts silence ls [--all] [--format table|json]
  summit alerts silence expire ID

MATCHER is Alertmanager's: 'service.name="checkout"', 'severity=~"warning|info"', 'env!=dev'.
An alert is silenced when every matcher of one active silence matches it. TIME is ISO 8601.

Options:
      --db PATH     the state file (default ${WEBHOOK_DEFAULTS.state_path}; the exporter's state_path)
      --duration D  how long from --start (default 1h)
      --all         ls: expired silences too

Exit codes: 0 ok, 1 no state file or no such silence, 2 bad usage.
`;

export const INCIDENTS_HELP = `summit incidents — incidents opened by escalation policies

Usage:
  summit incidents [ls] [--status open|acknowledged|resolved] [--format table|json]
  summit incidents show ID [--format table|json]
  summit incidents ack ID [--by NAME]         stop escalating
  summit incidents resolve ID [--by NAME]
  summit incidents postmortem ID [--output FILE]   a blameless post-mortem draft (Markdown)

Options:
      --db PATH     the state file (default ${WEBHOOK_DEFAULTS.state_path}; the exporter's state_path)

Exit codes: 0 ok, 1 no state file or no such incident, 2 bad usage.
`;

const processIo: IssuesIo = { stdout: (t) => void process.stdout.write(t), stderr: (t) => void process.stderr.write(t) };

class UsageError extends Error {}

const OPTIONS = {
  db: { type: 'string' },
  duration: { type: 'string' },
  start: { type: 'string' },
  end: { type: 'string' },
  comment: { type: 'string' },
  author: { type: 'string' },
  by: { type: 'string' },
  status: { type: 'string' },
  output: { type: 'string', short: 'o' },
  all: { type: 'boolean' },
  format: { type: 'string', short: 'f', default: 'table' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

const iso = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms).toISOString());

function time(text: string, flag: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`${flag}: expected an ISO 8601 time such as 2026-01-31T18:00:00Z, got "${text}"`);
  return ms;
}

async function runCommand(name: string, help: string, argv: string[], io: IssuesIo, act: (positionals: string[], values: Values, json: boolean) => (state: AlertState) => void): Promise<number> {
  let run: (state: AlertState) => void;
  let values: Values;
  try {
    const parsed = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
    values = parsed.values;
    if (values.help) {
      io.stdout(help);
      return 0;
    }
    if (values.format !== 'table' && values.format !== 'json') throw new UsageError(`--format must be table or json, not "${values.format}"`);
    run = act(parsed.positionals, values, values.format === 'json');
  } catch (err) {
    if (!(err instanceof UsageError) && !(err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw err;
    io.stderr(`summit ${name}: ${(err as Error).message}\n\n${help}`);
    return 2;
  }
  let state: AlertState | undefined;
  try {
    state = AlertState.open(resolve(values.db ?? WEBHOOK_DEFAULTS.state_path), { create: false });
    run(state);
    return 0;
  } catch (err) {
    if (!(err instanceof StateError)) throw err;
    io.stderr(`summit ${name}: ${err.message}\n`);
    return 1;
  } finally {
    state?.close();
  }
}

export function alertsCommand(argv: string[], io: IssuesIo = processIo): Promise<number> {
  return runCommand('alerts', ALERTS_HELP, argv, io, (positionals, values, json) => {
    const [group, command, ...args] = positionals;
    if (group !== 'silence') throw new UsageError(group ? `unknown command "${group}"` : 'expected a command: silence');
    const now = Date.now();
    if (command === 'add') {
      if (!args.length) throw new UsageError('silence add needs at least one matcher');
      const startsAt = values.start ? time(values.start, '--start') : now;
      if (values.end && values.duration) throw new UsageError('give --end or --duration, not both');
      let endsAt: number;
      try {
        endsAt = values.end ? time(values.end, '--end') : startsAt + parseDuration(values.duration ?? '1h');
      } catch (err) {
        throw new UsageError(`--duration: ${(err as Error).message}`);
      }
      return (state) => {
        let silence;
        try {
          silence = state.addSilence({ matchers: args, startsAt, endsAt, createdBy: values.author ?? process.env.USER ?? 'cli', comment: values.comment ?? '' }, now);
        } catch (err) {
          throw new StateError((err as Error).message);
        }
        io.stdout(json ? `${JSON.stringify(silence, null, 2)}\n` : `silence ${silence.id} until ${iso(silence.endsAt)}\n`);
      };
    }
    if (command === 'ls') {
      return (state) => {
        const list = state.silences(now, values.all === true);
        if (json) return io.stdout(`${JSON.stringify(list, null, 2)}\n`);
        io.stdout(formatTable([['ID', 'MATCHERS', 'STARTS', 'ENDS', 'BY', 'COMMENT'], ...list.map((s) => [s.id, s.matchers.join(','), iso(s.startsAt), iso(s.endsAt), s.createdBy, s.comment])]));
      };
    }
    if (command === 'expire') {
      if (args.length !== 1) throw new UsageError('silence expire needs one silence id');
      return (state) => {
        const s = state.expireSilence(args[0], now);
        io.stdout(json ? `${JSON.stringify(s, null, 2)}\n` : `silence ${s.id} expired\n`);
      };
    }
    throw new UsageError(command ? `unknown silence command "${command}"` : 'expected add, ls or expire');
  });
}

function incidentId(text: string | undefined, command: string): number {
  if (text === undefined || !/^\d+$/.test(text)) throw new UsageError(`incidents ${command} needs an incident id (a number)`);
  return Number(text);
}

function found(state: AlertState, id: number): Incident {
  const i = state.incident(id);
  if (!i) throw new StateError(`no incident ${id}`);
  return i;
}

export function incidentsCommand(argv: string[], io: IssuesIo = processIo): Promise<number> {
  return runCommand('incidents', INCIDENTS_HELP, argv, io, (positionals, values, json) => {
    const [command = 'ls', idText, ...extra] = positionals;
    if (extra.length) throw new UsageError(`unexpected "${extra.join(' ')}"`);
    if (command === 'ls') {
      const status = values.status as IncidentStatus | undefined;
      if (status && !['open', 'acknowledged', 'resolved'].includes(status)) throw new UsageError(`--status must be open, acknowledged or resolved`);
      return (state) => {
        const list = state.incidents(status);
        if (json) return io.stdout(`${JSON.stringify(list, null, 2)}\n`);
        io.stdout(formatTable([['ID', 'STATUS', 'OPENED', 'TIER', 'POLICY', 'TITLE'], ...list.map((i) => [String(i.id), i.status, iso(i.openedAt), String(i.tier + 1), i.policy, i.title])]));
      };
    }
    const id = incidentId(idText, command);
    if (command === 'show') {
      return (state) => {
        const i = found(state, id);
        const events = state.events(id);
        if (json) return io.stdout(`${JSON.stringify({ ...i, events }, null, 2)}\n`);
        io.stdout(`incident ${i.id}: ${i.title}\nstatus: ${i.status}\npolicy: ${i.policy}\n\n${formatTable([['TIME', 'EVENT', 'DETAIL'], ...events.map((e) => [iso(e.at), e.kind, JSON.stringify(e.detail)])])}`);
      };
    }
    if (command === 'ack' || command === 'resolve') {
      return (state) => {
        found(state, id);
        const changed = state.setStatus(id, command === 'ack' ? 'acknowledged' : 'resolved', values.by ?? process.env.USER ?? 'cli', Date.now());
        io.stdout(changed ? `incident ${id} ${command === 'ack' ? 'acknowledged' : 'resolved'}\n` : `incident ${id} was already ${state.incident(id)!.status}\n`);
      };
    }
    if (command === 'postmortem') {
      return (state) => {
        const incident = found(state, id);
        const events = state.events(id);
        const text = postmortemMarkdown(incident, events, state.deployments(...deploymentWindow(incident, events, Date.now())));
        if (values.output) {
          writeFileSync(values.output, text);
          io.stderr(`wrote ${values.output}\n`);
        } else io.stdout(text);
      };
    }
    throw new UsageError(`unknown command "${command}"`);
  });
}
