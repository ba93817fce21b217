import { createSecureContext } from 'node:tls';
import { Client, credentials, Metadata, status, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { ClientAuthenticator } from './auth.js';
import { clientInfo } from './client-info.js';
import { grpcClientOptions, type GrpcClientSettings } from './grpc-client.js';
import { permanentError, retryableError } from './errors.js';
import { backendTextScrubber } from './exporterhelper/index.js';
import type { PipelineSignal, SignalData } from './model.js';
import { EXPORT_METHOD, decodeExportResponse, decodeRetryInfo, decodeStatus, encodeSignal, RETRY_INFO_TYPE_URL } from './otlpproto/index.js';
import { allocLarge, LARGE_BUFFER_BYTES } from './large-buffer.js';
import { warnPartialSuccess } from './partial-success.js';
import { clientTlsOptions, type ClientTlsConfig } from './tlsconfig.js';

/** Exports larger than this get memory of their own, not kept (an 8,192-span batch of small spans is ~1.2 MB). */
const MAX_SPARE_BYTES = LARGE_BUFFER_BYTES;

/** As upstream's exporter: these are worth another try; RESOURCE_EXHAUSTED only with RetryInfo. */
const RETRYABLE = new Set([status.CANCELLED, status.DEADLINE_EXCEEDED, status.ABORTED, status.OUT_OF_RANGE, status.UNAVAILABLE, status.DATA_LOSS]);

export interface GrpcTransportOptions {
  /** host:port, optionally with an http:// or https:// scheme. */
  endpoint: string;
  tls?: ClientTlsConfig;
  headers: Record<string, string>;
  compression: 'gzip' | 'none';
  client?: GrpcClientSettings;
  configDir: string;
  logger: Logger;
}

/** Splits an endpoint the way upstream reads it: a scheme, if any, decides plaintext vs TLS. */
export function grpcTarget(endpoint: string, tls: ClientTlsConfig | undefined): { target: string; secure: boolean } {
  const m = /^(https?):\/\/(.*)$/i.exec(endpoint);
  if (m) return { target: m[2].replace(/\/$/, ''), secure: m[1].toLowerCase() === 'https' && !tls?.insecure };
  return { target: endpoint, secure: !tls?.insecure };
}

/** The RetryInfo delay carried in grpc-status-details-bin, if the server sent one. */
function retryDelay(err: ServiceError): number | undefined {
  const raw = err.metadata?.get('grpc-status-details-bin')[0];
  if (!(raw instanceof Buffer)) return undefined;
  try {
    const info = decodeStatus(raw).details?.find((d) => d.typeUrl === RETRY_INFO_TYPE_URL);
    return info ? decodeRetryInfo(info.value) : undefined;
  } catch {
    return undefined;
  }
}

export class OtlpGrpcTransport {
  private readonly client: Client;
  private readonly metadata: Metadata;
  /** auth's authenticator, found once the exporter starts. */
  auth?: ClientAuthenticator;
  /** The memory of the last export's message, once its call is over; see messageMemory. */
  private spare?: Buffer;

  constructor(private readonly opts: GrpcTransportOptions) {
    const { target, secure } = grpcTarget(opts.endpoint, opts.tls);
    let creds: ChannelCredentials = credentials.createInsecure();
    if (secure) {
      const t = clientTlsOptions(opts.tls, opts.configDir);
      creds = credentials.createFromSecureContext(createSecureContext(t), t.rejectUnauthorized ? {} : { rejectUnauthorized: false, checkServerIdentity: () => undefined });
    }
    const options: Record<string, unknown> = { ...grpcClientOptions(opts.client ?? {}) };
    if (opts.compression === 'gzip') options['grpc.default_compression_algorithm'] = 2;
    if (opts.tls?.server_name_override) options['grpc.ssl_target_name_override'] = opts.tls.server_name_override;
    this.client = new Client(target, creds, options);
    this.metadata = new Metadata({ waitForReady: !!opts.client?.wait_for_ready });
    for (const [k, v] of Object.entries(opts.headers)) this.metadata.set(k.toLowerCase(), v);
  }

  async send<S extends PipelineSignal>(signal: S, data: SignalData[S], abort: AbortSignal): Promise<void> {
    const encoded = encodeSignal(signal, data);
    const memory = this.messageMemory(encoded.byteLength);
    // larger exports are sent as encoded: a view, not a copy (a copy was a third of their encoding time)
    const body = memory ? memory.subarray(0, encoded.byteLength) : Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
    if (memory) body.set(encoded);
    const metadata = this.metadata.clone();
    const authHeaders: Record<string, string> = {};
    if (this.auth) {
      const headers = { ...this.opts.headers };
      await this.auth.applyHeaders(headers, clientInfo());
      for (const k of Object.keys(this.opts.headers)) metadata.remove(k.toLowerCase());
      for (const [k, v] of Object.entries(headers)) {
        metadata.set(k.toLowerCase(), v);
        authHeaders[k] = v;
      }
    }
    return new Promise((resolve, reject) => {
      const call = this.client.makeUnaryRequest(
        EXPORT_METHOD[signal],
        (b: Buffer) => b,
        (b: Buffer) => b,
        body,
        metadata,
        (err, response) => {
          abort.removeEventListener('abort', cancel);
          // the call is over: grpc-js reads the message no more (a cancelled call's gzip may, but its output goes nowhere)
          if (memory) this.spare = memory;
          if (!err) {
            this.logPartialSuccess(signal, response);
            return resolve();
          }
          const delay = retryDelay(err);
          // Backends may echo the request: its metadata never reaches an error message.
          const scrub = backendTextScrubber([...Object.values(this.opts.headers), ...Object.values(authHeaders), ...(this.auth?.secrets?.() ?? [])]);
          const message = `${this.opts.endpoint}: ${status[err.code] ?? err.code}: ${scrub(err.details)}`;
          // not the ServiceError as cause: its details and metadata are the backend's unscrubbed text
          if (RETRYABLE.has(err.code) || (err.code === status.RESOURCE_EXHAUSTED && delay !== undefined)) reject(retryableError(message, delay));
          else reject(permanentError(message));
        },
      );
      const cancel = () => call.cancel();
      abort.addEventListener('abort', cancel, { once: true });
    });
  }

  /**
   * Memory for an export's message (undefined above MAX_SPARE_BYTES): the spare of a finished
   * call when it is free and large enough. grpc-js keeps a reference to each message it sent
   * beyond the call (in objects that outlive two scavenges), so a fresh buffer per export
   * reached the old generation and stayed until a full GC: at 5 exports/s of 288 KB, RSS grew
   * ~1.2 MiB/s between full GCs (bench/README.md, `testbed`). Reused, what those references
   * hold is this one buffer.
   */
  private messageMemory(size: number): Buffer | undefined {
    if (size > MAX_SPARE_BYTES) return undefined;
    const spare = this.spare;
    this.spare = undefined;
    if (spare && spare.length >= size) return spare;
    // a power of two: a batch a little larger than the last still fits
    return allocLarge(Math.min(MAX_SPARE_BYTES, Math.max(64 * 1024, 2 ** Math.ceil(Math.log2(size)))));
  }

  close(): void {
    this.client.close();
  }

  private logPartialSuccess(signal: PipelineSignal, response: Buffer | undefined): void {
    if (!response?.length) return;
    try {
      warnPartialSuccess(this.opts.logger, decodeExportResponse(signal, response));
    } catch {
      // an unreadable success body is still a success
    }
  }
}
