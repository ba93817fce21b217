import { existsSync } from 'node:fs';
import type { Attributes } from '../../../pipeline/model.js';
import { putter, type DetectContext } from './detector.js';
import { fetchMetadata, parseJsonObject, str } from './metadata-http.js';
import { osType } from './system.js';

/** The Docker Engine socket: DOCKER_HOST's unix:// path, else the default one. */
export function dockerSocket(env: NodeJS.ProcessEnv): string {
  const host = env.DOCKER_HOST;
  return host?.startsWith('unix://') ? host.slice('unix://'.length) : '/var/run/docker.sock';
}

/** The Docker host's name and OS type, from the Engine API's /info, when its socket exists. */
export async function detectDocker(ctx: DetectContext): Promise<Attributes> {
  const out: Attributes = new Map();
  const socketPath = ctx.environment.dockerSocket;
  if (!existsSync(socketPath)) return out;
  const info = parseJsonObject(await fetchMetadata({ url: 'http://docker/info', socketPath, signal: ctx.signal }), 'docker /info');
  const put = putter(ctx, out);
  put('host.name', str(info, 'Name'));
  const os = str(info, 'OSType');
  put('os.type', os === undefined ? undefined : osType(os));
  return out;
}
