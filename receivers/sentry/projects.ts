/** The configured projects, and which one a request's key may send to. */
import { timingSafeEqual } from 'node:crypto';
import { Refusal } from './answers.js';
import type { ProjectConfig } from './config.js';
import { ProjectRateLimiter } from './rate-limits.js';

export interface Project {
  id: string;
  name: string;
  limiter: ProjectRateLimiter;
}

interface Entry extends Project {
  keys: Buffer[];
}

export class ProjectDirectory {
  private readonly byId = new Map<string, Entry>();

  constructor(projects: ProjectConfig[]) {
    for (const p of projects) {
      this.byId.set(p.id, { id: p.id, name: p.name, limiter: new ProjectRateLimiter(p.rate_limits), keys: p.keys.map((k) => Buffer.from(k, 'latin1')) });
    }
  }

  /**
   * The project `projectId` if `publicKey` is one of its keys. Relay answers both an unknown
   * project and a key of another project 403 ("event submission rejected with_reason: ProjectId").
   * Keys are compared in constant time, every key of the project each time.
   */
  authorize(projectId: string, publicKey: string): Project {
    const entry = this.byId.get(projectId);
    if (!entry) throw new Refusal(403, 'event submission rejected with_reason: ProjectId', [`project ${projectId} is not configured`]);
    const given = Buffer.from(publicKey, 'latin1');
    let match = false;
    for (const key of entry.keys) {
      // both are 32 bytes (the config and the auth parser check it); equal lengths are what timingSafeEqual needs
      if (key.length === given.length && timingSafeEqual(key, given)) match = true;
    }
    if (!match) throw new Refusal(403, 'event submission rejected with_reason: ProjectId', [`the key is not one of project ${projectId}'s keys`]);
    return entry;
  }
}
