import { request, type IncomingHttpHeaders } from 'node:http';

/** Metadata documents are small; a stand-in answering more is not a metadata service. */
const MAX_BODY = 256 * 1024;

export interface MetadataRequest {
  /** An http:// URL; with socketPath, only its path and query are used. */
  url: string;
  method?: 'GET' | 'PUT';
  headers?: Record<string, string>;
  socketPath?: string;
  signal: AbortSignal;
}

/**
 * Cloud metadata services answer within milliseconds where they exist; off that cloud the
 * link-local address often drops packets, and waiting the whole detection timeout for it would
 * hold every start up.
 */
export const CLOUD_REQUEST_TIMEOUT_MS = 1000;

export function cloudSignal(signal: AbortSignal): AbortSignal {
  return AbortSignal.any([signal, AbortSignal.timeout(CLOUD_REQUEST_TIMEOUT_MS)]);
}

export class MetadataError extends Error {
  constructor(
    message: string,
    /** The HTTP status, when the service answered. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** One request to a metadata service: the body of a 2xx answer, else a MetadataError. */
export async function fetchMetadata(r: MetadataRequest): Promise<string> {
  return (await fetchMetadataResponse(r)).body;
}

/** fetchMetadata with the answer's headers. */
export function fetchMetadataResponse(r: MetadataRequest): Promise<{ body: string; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const url = new URL(r.url);
    const req = request(
      {
        method: r.method ?? 'GET',
        headers: r.headers,
        signal: r.signal,
        ...(r.socketPath ? { socketPath: r.socketPath, path: `${url.pathname}${url.search}` } : { host: url.hostname, port: url.port || 80, path: `${url.pathname}${url.search}` }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY) {
            req.destroy();
            reject(new MetadataError(`${r.url}: answer larger than ${MAX_BODY} bytes`));
          } else chunks.push(c);
        });
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve({ body, headers: res.headers });
          else reject(new MetadataError(`${r.url}: HTTP ${status}`, status));
        });
        res.on('error', (err) => reject(new MetadataError(`${r.url}: ${err.message}`)));
      },
    );
    req.on('error', (err) => reject(new MetadataError(`${r.url}: ${err.message}`)));
    req.end();
  });
}

export function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new MetadataError(`${what}: not JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new MetadataError(`${what}: not a JSON object`);
  return v as Record<string, unknown>;
}

/** A string field of a metadata document; undefined when absent, empty or not a string. */
export function str(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}
