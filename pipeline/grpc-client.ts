/** Upstream configgrpc's client keys, as gRPC exporters write them, as grpc-js options. */
import type { ChannelOptions } from '@grpc/grpc-js';
import { clientAuthSchema, type ClientAuthConfig } from './auth.js';
import type { JSONSchema } from './component.js';
import { durationSchema, parseDuration } from './duration.js';

export interface GrpcClientSettings {
  keepalive?: { time?: string; timeout?: string; permit_without_stream?: boolean };
  read_buffer_size?: number;
  write_buffer_size?: number;
  wait_for_ready?: boolean;
  balancer_name?: string;
  authority?: string;
  auth?: ClientAuthConfig;
}

export const grpcClientSchema: Record<string, JSONSchema> = {
  keepalive: {
    type: 'object',
    additionalProperties: false,
    properties: { time: durationSchema(), timeout: durationSchema(), permit_without_stream: { type: 'boolean', default: false } },
  },
  read_buffer_size: { type: 'integer', minimum: 0, description: 'accepted without effect: Node sizes socket buffers itself' },
  write_buffer_size: { type: 'integer', minimum: 0, description: 'accepted without effect: Node sizes socket buffers itself' },
  wait_for_ready: { type: 'boolean', default: false },
  balancer_name: { type: 'string', enum: ['', 'pick_first', 'round_robin'], default: 'round_robin' },
  authority: { type: 'string' },
  auth: clientAuthSchema,
};

/** grpc-js channel options for the settings (wait_for_ready is a per-call option: see grpc-js Metadata). */
export function grpcClientOptions(s: GrpcClientSettings): ChannelOptions {
  const ms = (d?: string) => (d === undefined ? 0 : Math.max(0, parseDuration(d)));
  const balancer = s.balancer_name || 'round_robin';
  return {
    'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ [balancer]: {} }] }),
    ...(s.authority ? { 'grpc.default_authority': s.authority } : {}),
    ...(ms(s.keepalive?.time) > 0 ? { 'grpc.keepalive_time_ms': ms(s.keepalive?.time) } : {}),
    ...(ms(s.keepalive?.timeout) > 0 ? { 'grpc.keepalive_timeout_ms': ms(s.keepalive?.timeout) } : {}),
    ...(s.keepalive?.permit_without_stream ? { 'grpc.keepalive_permit_without_calls': 1 } : {}),
  };
}
