import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type prettyModule from 'pino-pretty';

// pino-pretty (and what it brings) is loaded only for a person reading a terminal, not in production
const require = createRequire(import.meta.url);

export interface LoggerOptions {
  level: string;
  /** json always, console always, or auto: readable on a terminal, JSON otherwise. */
  encoding: 'json' | 'console' | 'auto';
}

/** Summit's logger: to stderr (stdout stays for data the user asked for), JSON unless a person is reading. */
export function createLogger(opts: LoggerOptions): Logger {
  const readable = opts.encoding === 'console' || (opts.encoding === 'auto' && process.stderr.isTTY === true);
  const base = { level: opts.level, base: undefined };
  if (readable) return pino(base, (require('pino-pretty') as typeof prettyModule)({ destination: 2, sync: true, colorize: process.stderr.isTTY === true, ignore: 'pid,hostname' }));
  return pino(base, pino.destination({ fd: 2, sync: true }));
}
