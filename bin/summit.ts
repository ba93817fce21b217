#!/usr/bin/env node
import { readFileSync, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { parseArgs } from 'node:util';
import { printConfig } from '../config/print.js';
import { ConfigError, formatProblemLine, type ConfigProblem } from '../config/types.js';
import { createLogger } from '../pipeline/logger.js';
import { Service, StartError } from '../pipeline/service.js';
import { featureGateRows, featureGateStates, parseFeatureGates } from '../config/feature-gates.js';
import { closest, didYouMean } from '../config/suggest.js';
import { DEFAULT_HTTP_TIMEOUT_MS, schemeOf } from '../config/uris.js';
import { DEFAULT_CONFIG, errorsOf, loadConfig, type LoadedConfig, type LoadOptions } from './load-config.js';
import { formatTable } from './table.js';
import { capYoungGeneration } from './young-generation.js';

/** Exit codes, documented in README.md. */
const EXIT = { ok: 0, invalidConfig: 1, usage: 2, startFailed: 3, dataDropped: 4 } as const;

const HELP = `summit — an OpenTelemetry Collector-compatible telemetry pipeline

Usage:
  summit [--config URI ...] [--set path=value ...]      run (default config: the embedded default.yaml)
  summit validate [--config URI ...]                     check the config; exit 0, or 1 listing every error
  summit components [--config URI ...]                   list component types (with plugins from the config)
  summit print-config [--config URI ...]                 the merged, expanded config, secrets masked (exit 1 if invalid)
  summit featuregate                                     the feature gates Summit knows
  summit query "SQL" [--data DIR] [--format table|json|csv]  SQL (DuckDB) over the parquet exporter's files (see summit query --help)
  summit issues [show|resolve|ignore|reopen ID] [--db PATH]  list, show and triage issues (see summit issues --help)
  summit sourcemaps ls|explain ID|token                  uploaded source maps, why frames were (not) resolved, the upload token
  summit alerts silence add|ls|expire …                  silences of the webhook exporter's alerts (see summit alerts --help)
  summit incidents [show|ack|resolve|postmortem ID]       incidents of escalation policies (see summit incidents --help)
  summit help | --help | --version

Options:
  -c, --config URI    config source; repeat to merge several in order (maps merge, lists are replaced):
                        a file path or file:PATH; env:VAR (YAML in a variable);
                        yaml:TEXT (inline, keys may be paths: yaml:processors::batch::timeout: 2s);
                        http://… or https://… (only with --config-allow-http; ${DEFAULT_HTTP_TIMEOUT_MS / 1000} s timeout)
      --set k=v       override one value, path separated by :: or . (e.g. processors::batch::timeout=2s)
      --feature-gates G[,G…]  enable (G or +G) or disable (-G) feature gates; see summit featuregate
      --config-allow-http     let --config fetch http:// and https:// URIs
      --watch         reload when a config file changes (as on SIGHUP)

Exit codes: 0 ok, 1 invalid config, 2 bad usage, 3 a component failed to start,
4 stopped, but acknowledged data was dropped (the log says which exporter, signal and how much).
Signals: SIGTERM/SIGINT drain in-flight data within service.shutdown_timeout; what an
in-memory sending queue still holds then is dropped (exit 4), a persistent queue keeps it.
SIGHUP reloads the config: a bad one is rejected and logged, and the running pipeline keeps running.
`;

const OPTIONS = {
  config: { type: 'string', short: 'c', multiple: true },
  set: { type: 'string', multiple: true },
  'feature-gates': { type: 'string', multiple: true },
  'config-allow-http': { type: 'boolean' },
  watch: { type: 'boolean' },
  version: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const;

const COMMANDS = ['run', 'validate', 'components', 'print-config', 'featuregate', 'help', 'query', 'issues'];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** parseArgs's message, with the option the user probably meant. */
function usageError(err: Error): string {
  const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(err.message)?.[1];
  if (!unknown) return err.message;
  const name = unknown.replace(/^-+/, '').split('=')[0];
  const match = closest(name, Object.keys(OPTIONS));
  return `unknown option "${unknown}"${match ? ` (did you mean "--${match}"?)` : ''}`;
}

async function main(argv: string[]): Promise<number> {
  // loaded on demand: DuckDB is a native library the pipeline itself never needs
  if (argv[0] === 'query') return (await import('./query.js')).queryCommand(argv.slice(1));
  if (argv[0] === 'issues') return (await import('./issues.js')).issuesCommand(argv.slice(1));
  if (argv[0] === 'alerts') return (await import('./alerts.js')).alertsCommand(argv.slice(1));
  if (argv[0] === 'incidents') return (await import('./alerts.js')).incidentsCommand(argv.slice(1));
  if (argv[0] === 'sourcemaps') return (await import('./sourcemaps.js')).sourcemapsCommand(argv.slice(1));
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  } catch (err) {
    process.stderr.write(`summit: ${usageError(err as Error)}\n\n${HELP}`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  const [command = 'run', ...extra] = positionals;
  if (values.help || command === 'help') {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  if (values.version) {
    process.stdout.write(`summit version ${version()}\n`);
    return EXIT.ok;
  }
  if (extra.length || !COMMANDS.includes(command)) {
    process.stderr.write(`summit: unknown command "${positionals.join(' ')}"${didYouMean(command, COMMANDS)}\n\n${HELP}`);
    return EXIT.usage;
  }
  const gates = values['feature-gates'] ?? [];
  if (command === 'featuregate') {
    const parsedGates = parseFeatureGates(gates);
    reportProblems(parsedGates.problems);
    process.stdout.write(formatTable(featureGateRows(parsedGates.enabled)));
    return EXIT.ok;
  }
  const files = values.config ?? [];
  const loadOptions: LoadOptions = { featureGates: gates, allowHttp: values['config-allow-http'] === true };

  let loaded: LoadedConfig;
  try {
    loaded = await loadConfig(files, values.set ?? [], loadOptions);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    reportProblems(err.problems);
    return EXIT.invalidConfig;
  }
  if (command === 'components') return listComponents(loaded);
  reportProblems(loaded.problems);
  const valid = errorsOf(loaded.problems).length === 0 && loaded.config !== undefined;
  // Printing an invalid config is how one finds out what the merge and expansion made of it.
  if (command === 'print-config') process.stdout.write(printConfig(loaded.sources.value));
  if (!valid) return EXIT.invalidConfig;
  if (command === 'validate') process.stderr.write(`config is valid${files.length ? '' : ' (the embedded default config)'}\n`);
  if (command !== 'run') return EXIT.ok;
  return run(loaded, { files, sets: values.set ?? [], watch: values.watch === true, load: loadOptions });
}

function reportProblems(problems: ConfigProblem[]): void {
  for (const p of problems) process.stderr.write(`${formatProblemLine(p)}\n`);
  const n = errorsOf(problems).length;
  if (n) process.stderr.write(`${n} config error${n === 1 ? '' : 's'}\n`);
}

function listComponents(loaded: LoadedConfig): number {
  const rows = loaded.registry.list().map(({ info, plugin }) => [
    info.type + (info.aliases?.length ? ` (= ${info.aliases.join(', ')})` : ''),
    info.kind,
    info.kind === 'connector' ? (info.connects ?? []).map(([a, b]) => `${a}->${b}`).join(',') : (info.signals ?? []).join(',') || '-',
    info.stability,
    plugin,
  ]);
  process.stdout.write(formatTable([['TYPE', 'KIND', 'SIGNALS', 'STABILITY', 'PLUGIN'], ...rows]));
  return EXIT.ok;
}

interface RunOptions {
  files: string[];
  sets: string[];
  watch: boolean;
  load: LoadOptions;
}

async function run(loaded: LoadedConfig, opts: RunOptions): Promise<number> {
  // a long-running pipeline would otherwise keep V8's largest young generation resident under load
  capYoungGeneration();
  const config = loaded.config!;
  const logger = createLogger(config.telemetry.logs);
  const service = new Service({
    spec: config,
    logger,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    metricsAddress: config.telemetry.metrics.level === 'none' ? null : config.telemetry.metrics.address,
    featureGates: featureGateStates(parseFeatureGates(opts.load.featureGates ?? []).enabled),
    version: version(),
  });
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection (a bug: please report it)'));
  // Signals and file changes that arrive while starting wait for the start to finish: a SIGHUP
  // with no handler yet would kill the process, and a reload must not race the start. The
  // handlers go in before the start, so no signal finds the process without one.
  let queue: Promise<unknown> = Promise.resolve();
  const later = <T>(work: () => Promise<T>): Promise<T> => {
    const done = queue.then(work);
    queue = done;
    return done;
  };
  process.on('SIGHUP', () => void later(() => reloadConfig(service, logger, opts, 'SIGHUP')));
  // A pipeline whose receivers hold no socket or timer (nop, a receiver still waiting for its
  // first file) leaves Node's event loop empty: without this the process would exit 0 on its
  // own right after start, as if stopped. It runs until a signal stops it, as upstream does.
  const running = setInterval(() => undefined, 2 ** 31 - 1);
  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return void logger.info(`received ${signal} again: already shutting down`);
      stopping = true;
      logger.info(`received ${signal}`);
      void later(() => service.shutdown())
        .then((r) => resolve(r.droppedItems > 0 || r.unfinished.length > 0 ? EXIT.dataDropped : EXIT.ok))
        .finally(() => clearInterval(running));
    };
    // As upstream, a repeated SIGTERM does not cut the drain short; a second Ctrl-C (SIGINT) still quits at once.
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  const starting = service.start();
  queue = starting.catch(() => undefined);
  if (opts.watch) watchFiles(watchedFiles(opts.files), () => void later(() => reloadConfig(service, logger, opts, 'a config file changed')));
  try {
    await starting;
  } catch (err) {
    logger.error({ err: err instanceof StartError ? undefined : err }, `cannot start: ${(err as Error).message}`);
    clearInterval(running);
    return EXIT.startFailed;
  }
  return stopped;
}

/** Validates the config files anew; only a valid config replaces the running pipeline. */
async function reloadConfig(service: Service, logger: Logger, opts: RunOptions, why: string): Promise<void> {
  logger.info(`reloading config (${why})`);
  let loaded: LoadedConfig;
  try {
    loaded = await loadConfig(opts.files, opts.sets, opts.load);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    loaded = { problems: err.problems } as LoadedConfig;
  }
  for (const p of loaded.problems) (p.severity === 'error' ? logger.error.bind(logger) : logger.warn.bind(logger))(formatProblemLine(p));
  if (!loaded.config || errorsOf(loaded.problems).length) {
    logger.error('config reload rejected; the running pipeline keeps running');
    return;
  }
  try {
    await service.reload(loaded.config, loaded.config.shutdownTimeoutMs);
  } catch (err) {
    logger.error({ err }, `config reload failed: ${(err as Error).message}`);
  }
}

/** The files among the --config values: other sources have no file to watch. */
function watchedFiles(configs: string[]): string[] {
  if (configs.length === 0) return [DEFAULT_CONFIG];
  return configs.flatMap((c) => {
    const scheme = schemeOf(c);
    return scheme === undefined ? [c] : scheme === 'file' ? [c.slice('file:'.length)] : [];
  });
}

/** Editors replace files rather than write them in place, so watch the directory and debounce. */
function watchFiles(files: string[], onChange: () => void): void {
  let timer: NodeJS.Timeout | undefined;
  for (const file of files) {
    const name = basename(file);
    watch(dirname(resolve(file)), (_event, changed) => {
      if (changed !== name) return;
      clearTimeout(timer);
      timer = setTimeout(onChange, 200);
    }).unref();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Stray handles (a client's keep-alive socket) must not hold a finished process open.
    setTimeout(() => process.exit(code), 100).unref();
  },
  (err) => {
    process.stderr.write(`summit: ${err?.stack ?? err}\n`);
    process.exit(EXIT.startFailed);
  },
);
