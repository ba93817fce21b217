import {
  Metadata,
  Server,
  status,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import type { Server as NetServer } from 'node:net';
import type { Logger } from 'pino';
import type { Consumer, Host, NextConsumers } from '../../pipeline/component.js';
import { ConsumerError, isRetryable } from '../../pipeline/errors.js';
import type { PipelineSignal } from '../../pipeline/model.js';
import { grpcKeepaliveOptions, grpcServerInterceptors, listenGrpc, withCallClient } from '../../pipeline/grpc-server.js';
import { boundAddress, type ServerOwner } from '../../pipeline/net.js';
import { serverTlsOptions } from '../../pipeline/tlsconfig.js';
import { encodeRetryInfo, encodeStatus, RETRY_INFO_TYPE_URL, EXPORT_METHOD } from '../../pipeline/otlpproto/index.js';
import { decodeRequest, encodeResponse } from './codec.js';
import type { GrpcConfig } from './config.js';
import { deliver } from './intake.js';
import { decodeFailure, decodeLimitsFor, inFlightLimitFor } from './limits.js';
import { InFlightRecords } from './in-flight.js';
import type { DecodeLimits } from '../../pipeline/decode-limits.js';

const identity = (b: Buffer) => b;

/** The request stays raw bytes until the handler, so a decode error becomes INVALID_ARGUMENT. */
function serviceDefinition(signal: PipelineSignal): ServiceDefinition {
  return {
    Export: {
      path: EXPORT_METHOD[signal],
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: (r: Uint8Array) => Buffer.from(r.buffer, r.byteOffset, r.byteLength),
      responseDeserialize: identity,
    },
  };
}

interface GrpcFailure {
  code: status;
  details: string;
  metadata?: Metadata;
}

/** Permanent → INVALID_ARGUMENT; retryable → UNAVAILABLE, with RetryInfo when a delay is known. */
export function grpcFailure(err: unknown): GrpcFailure {
  const details = (err as Error)?.message ?? String(err);
  if (!isRetryable(err)) return { code: status.INVALID_ARGUMENT, details };
  const delay = err instanceof ConsumerError ? err.retryAfterMs : undefined;
  if (delay === undefined) return { code: status.UNAVAILABLE, details };
  const metadata = new Metadata();
  const statusProto = encodeStatus({ code: status.UNAVAILABLE, message: details, details: [{ typeUrl: RETRY_INFO_TYPE_URL, value: encodeRetryInfo(delay) }] });
  metadata.set('grpc-status-details-bin', Buffer.from(statusProto));
  return { code: status.UNAVAILABLE, details, metadata };
}

/** OTLP/gRPC: the Export services of the signals wired (profiles: v1development), gzip as grpc-js negotiates it. */
export class OtlpGrpcServer {
  private server?: Server;
  private listener?: NetServer;
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
    const server = new Server({
      'grpc.max_receive_message_length': Math.floor(this.config.max_recv_msg_size_mib * 1024 * 1024),
      ...(this.config.max_concurrent_streams > 0 ? { 'grpc.max_concurrent_streams': this.config.max_concurrent_streams } : {}),
      ...grpcKeepaliveOptions(this.config.keepalive),
      interceptors: grpcServerInterceptors(this.config, host),
    });
    for (const signal of Object.keys(EXPORT_METHOD) as PipelineSignal[]) {
      const next = this.next[signal] as Consumer<typeof signal> | undefined;
      if (!next) continue;
      server.addService(serviceDefinition(signal), {
        Export: (call: ServerUnaryCall<Buffer, Uint8Array>, callback: sendUnaryData<Uint8Array>) => {
          withCallClient(call, () => this.export(signal, next, call.request, host)).then(
            (response) => callback(null, response),
            (failure: GrpcFailure) => callback(failure),
          );
        },
      });
    }
    this.server = server;
    this.listener = await listenGrpc(server, {
      owner: this.owner,
      endpoint: this.config.endpoint,
      transport: this.config.transport,
      tls: serverTlsOptions(this.config.tls, this.configDir),
      maxConnections: this.config.max_connections,
      capKey: 'protocols.grpc.max_connections',
    });
    this.logger.info(`OTLP/gRPC listening on ${this.address()}`);
  }

  address(): string {
    return boundAddress(this.listener, this.config.endpoint);
  }

  /** Stops accepting new calls; calls in flight finish as the pipeline behind drains. */
  shutdown(): void {
    const server = this.server;
    this.server = undefined;
    this.listener?.close();
    server?.tryShutdown(() => undefined);
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
      throw { code: failure.code, details: failure.message } satisfies GrpcFailure;
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
