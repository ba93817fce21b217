import type { Logger } from 'pino';
import type { Consumer, Host, NextConsumers } from '../../pipeline/component.js';
import { ConsumerError, isRetryable } from '../../pipeline/errors.js';
import type { PipelineSignal } from '../../pipeline/model.js';
import { GrpcCode, serveGrpc, type GrpcServer, type GrpcStatus, type GrpcUnaryHandler } from '../../pipeline/grpc-server.js';
import { boundAddress, type ServerOwner } from '../../pipeline/net.js';
import { serverTlsOptions } from '../../pipeline/tlsconfig.js';
import { encodeRetryInfo, encodeStatus, RETRY_INFO_TYPE_URL, EXPORT_METHOD } from '../../pipeline/otlpproto/index.js';
import { decodeRequest, encodeResponse } from './codec.js';
import type { GrpcConfig } from './config.js';
import { deliver } from './intake.js';
import { decodeFailure, decodeLimitsFor, inFlightLimitFor } from './limits.js';
import { InFlightRecords } from './in-flight.js';
import type { DecodeLimits } from '../../pipeline/decode-limits.js';

/** Permanent → INVALID_ARGUMENT; retryable → UNAVAILABLE, with RetryInfo when a delay is known. */
export function grpcFailure(err: unknown): GrpcStatus {
  const details = (err as Error)?.message ?? String(err);
  if (!isRetryable(err)) return { code: GrpcCode.INVALID_ARGUMENT, details };
  const delay = err instanceof ConsumerError ? err.retryAfterMs : undefined;
  if (delay === undefined) return { code: GrpcCode.UNAVAILABLE, details };
  const statusDetails = encodeStatus({ code: GrpcCode.UNAVAILABLE, message: details, details: [{ typeUrl: RETRY_INFO_TYPE_URL, value: encodeRetryInfo(delay) }] });
  return { code: GrpcCode.UNAVAILABLE, details, statusDetails };
}

/** OTLP/gRPC: the Export services of the signals wired (profiles: v1development), requests plain, gzip or deflate. */
export class OtlpGrpcServer {
  private server?: GrpcServer;
  private readonly decodeLimits: DecodeLimits;
  private readonly inFlight: InFlightRecords;

  constructor(
    private readonly config: GrpcConfig,
    private readonly next: NextConsumers,
    private readonly logger: Logger,
    private readonly configDir: string,
    private readonly owner: ServerOwner,
  ) {
    this.decodeLimits = decodeLimitsFor(config.max_recv_msg_size_mib * 1024 * 1024, config);
    this.inFlight = new InFlightRecords(inFlightLimitFor(config));
  }

  async start(host: Host): Promise<void> {
    const methods = new Map<string, GrpcUnaryHandler>();
    for (const signal of Object.keys(EXPORT_METHOD) as PipelineSignal[]) {
      const next = this.next[signal] as Consumer<typeof signal> | undefined;
      if (next) methods.set(EXPORT_METHOD[signal], (request) => this.export(signal, next, request, host));
    }
    this.server = await serveGrpc({
      owner: this.owner,
      endpoint: this.config.endpoint,
      transport: this.config.transport,
      tls: serverTlsOptions(this.config.tls, this.configDir),
      maxConnections: this.config.max_connections,
      capKey: 'protocols.grpc.max_connections',
      settings: this.config,
      host,
      keepalive: this.config.keepalive,
      maxRecvMsgSize: Math.floor(this.config.max_recv_msg_size_mib * 1024 * 1024),
      maxConcurrentStreams: this.config.max_concurrent_streams,
      methods,
    });
    this.logger.info(`OTLP/gRPC listening on ${this.address()}`);
  }

  address(): string {
    return boundAddress(this.server?.listener, this.config.endpoint);
  }

  /** Stops accepting new calls; calls in flight finish as the pipeline behind drains. */
  shutdown(): void {
    this.server?.shutdown();
    this.server = undefined;
  }

  private async export(signal: PipelineSignal, next: Consumer<PipelineSignal>, request: Buffer, host: Host): Promise<Uint8Array> {
    const refusal = host.checkAdmission();
    if (refusal) throw grpcFailure(refusal);
    let data;
    const limits = this.inFlight.limitsFor(this.decodeLimits);
    try {
      data = decodeRequest(signal, 'proto', request, limits);
    } catch (err) {
      const busy = this.inFlight.busy(err, limits, this.decodeLimits, 'protocols.grpc.max_items_in_flight');
      if (busy) throw grpcFailure(busy);
      const failure = decodeFailure(signal, err, 'protocols.grpc');
      // google.rpc codes are gRPC's: RESOURCE_EXHAUSTED for a decode limit, INVALID_ARGUMENT otherwise
      throw { code: failure.code, details: failure.message } satisfies GrpcStatus;
    }
    const release = this.inFlight.hold(signal, data);
    try {
      return encodeResponse(signal, 'proto', await deliver(signal, data, next, 'grpc')) as Uint8Array;
    } catch (err) {
      throw grpcFailure(err);
    } finally {
      release();
    }
  }
}
