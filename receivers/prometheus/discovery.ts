/**
 * Service discovery for one job: `static_configs`, and `file_sd_configs` re-read every
 * refresh_interval (JSON or YAML files of `[{targets, labels}]`, globs in the file name part).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parsePromDuration, type ScrapeConfig } from './config.js';
import type { TargetGroup } from './targets.js';

export function staticGroups(sc: ScrapeConfig): TargetGroup[] {
  return (sc.static_configs ?? []).map((s, i) => ({ targets: s.targets ?? [], labels: s.labels ?? {}, source: `${sc.job_name} static_configs[${i}]` }));
}

/** The files a file_sd `files` pattern names now; `*`, `?` and `[…]` are allowed in the last element. */
export function matchFiles(pattern: string, baseDir: string): string[] {
  const full = resolve(baseDir, pattern);
  const name = basename(full);
  if (!/[*?[]/.test(name)) return [full];
  const re = new RegExp(`^${name.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
  try {
    return readdirSync(dirname(full))
      .filter((f) => re.test(f))
      .sort()
      .map((f) => resolve(dirname(full), f));
  } catch {
    return [];
  }
}

/** The groups one file_sd file holds; throws with the file's name and what is wrong. */
export function readTargetFile(path: string): TargetGroup[] {
  const text = readFileSync(path, 'utf8');
  const data: unknown = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  if (!Array.isArray(data)) throw new Error(`${path}: expected a list of {targets, labels} groups`);
  return data.map((g, i) => {
    const group = g as { targets?: unknown; labels?: unknown };
    if (!group || !Array.isArray(group.targets) || !group.targets.every((t) => typeof t === 'string')) {
      throw new Error(`${path}: group ${i}: "targets" must be a list of host:port strings`);
    }
    const labels = (group.labels ?? {}) as Record<string, unknown>;
    if (typeof labels !== 'object' || Object.values(labels).some((v) => typeof v !== 'string')) throw new Error(`${path}: group ${i}: "labels" must map names to strings`);
    return { targets: group.targets as string[], labels: { ...(labels as Record<string, string>), __meta_filepath: path }, source: `${path} group ${i}` };
  });
}

/**
 * Watches a job's file_sd_configs: `onChange` gets every group of every file each time any is
 * read anew. A file that cannot be read keeps its last good groups (as Prometheus does).
 */
export class FileDiscovery {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly lastGood = new Map<string, TargetGroup[]>();

  constructor(
    private readonly sc: ScrapeConfig,
    private readonly baseDir: string,
    private readonly onChange: (groups: TargetGroup[]) => void,
    private readonly warn: (message: string) => void,
  ) {}

  start(): void {
    this.refreshAll();
    for (const fsd of this.sc.file_sd_configs ?? []) {
      const every = parsePromDuration(fsd.refresh_interval ?? '5m');
      if (every > 0) this.timers.push(setInterval(() => this.refreshAll(), every).unref());
    }
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
  }

  refreshAll(): void {
    const current = new Set<string>();
    for (const fsd of this.sc.file_sd_configs ?? []) {
      for (const pattern of fsd.files) {
        for (const file of matchFiles(pattern, this.baseDir)) {
          current.add(file);
          try {
            this.lastGood.set(file, readTargetFile(file));
          } catch (err) {
            this.warn(`file_sd: ${(err as Error).message}`);
          }
        }
      }
    }
    for (const file of [...this.lastGood.keys()]) if (!current.has(file)) this.lastGood.delete(file);
    this.onChange([...this.lastGood.values()].flat());
  }
}
