/**
 * The project a sentry receiver accepts when its config names none: one project whose key is
 * generated at the first start and kept in a file, so a newcomer copies a DSN from the console
 * once and it keeps working across restarts.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ProjectConfig } from './config.js';

const KEY = /^[0-9a-f]{32}$/;
const ID = /^[0-9]{1,19}$/;

export const DEFAULT_PROJECT_FILE = './data/sentry-project.json';

/** The project kept in `path`, or a new one (id 1, named `default`, a random key) written there. */
export function loadOrCreateDefaultProject(path: string): ProjectConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read the sentry project file ${path}: ${(err as Error).message}`);
    return create(path);
  }
  return parse(text, path);
}

function create(path: string): ProjectConfig {
  const project = { id: '1', name: 'default', keys: [randomBytes(16).toString('hex')] };
  mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
  // whole or not at all: a crash mid-write must not leave a file the next start refuses
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(project, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
  return { ...project, rate_limits: [] };
}

function parse(text: string, path: string): ProjectConfig {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new Error(`the sentry project file ${path} is not JSON (${(err as Error).message}); delete it to have a new key made`);
  }
  const p = v as Partial<ProjectConfig> | null;
  const id = typeof p?.id === 'number' ? String(p.id) : p?.id;
  if (typeof id !== 'string' || !ID.test(id) || typeof p?.name !== 'string' || p.name === '' || !Array.isArray(p.keys) || p.keys.length === 0 || !p.keys.every((k) => typeof k === 'string' && KEY.test(k))) {
    throw new Error(`the sentry project file ${path} should hold {"id": "<digits>", "name": "<name>", "keys": ["<32 hex digits>"]}; fix it, or delete it to have a new key made`);
  }
  return { id, name: p.name, keys: p.keys, rate_limits: [] };
}

/** The DSN an SDK uses for `project` on a receiver bound to `address` (host:port). */
export function dsnOf(project: ProjectConfig, address: string, tls: boolean): string {
  return `${tls ? 'https' : 'http'}://${project.keys[0]}@${address}/${project.id}`;
}
