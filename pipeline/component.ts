import type { Logger } from 'pino';
import type { ConsumerError } from './errors.js';
import type { PipelineSignal, Signal, SignalData } from './model.js';
import type { SelfTelemetry } from './telemetry.js';

export type ComponentKind = 'receiver' | 'processor' | 'exporter' | 'connector' | 'extension';
export const COMPONENT_KINDS: readonly ComponentKind[] = ['receiver', 'processor', 'exporter', 'connector', 'extension'];

/** The Collector's stability levels. */
export type Stability = 'development' | 'alpha' | 'beta' | 'stable' | 'deprecated' | 'unmaintained';

/**
 * Takes a whole batch of one signal and resolves once it has been delivered or safely queued.
 * A rejection is backpressure or failure; see {@link ConsumerError} for retryability.
 */
export interface Consumer<S extends PipelineSignal = Signal> {
  consume(data: SignalData[S]): Promise<void>;
}

/** Downstream consumers handed to a component, one per signal it feeds. */
export type NextConsumers = { [S in PipelineSignal]?: Consumer<S> };

/**
 * The extension a config key names (`issue_store: issue_store`), when it is what `is` accepts;
 * otherwise an error naming the key and saying whether the id is unknown or the wrong kind.
 */
export function namedExtension<T>(host: Host, key: string, id: string, is: (x: unknown) => x is T, what: string): T {
  const extension = host.getExtension(id);
  if (!is(extension)) throw new Error(`${key} "${id}" is ${extension ? `not ${what}` : 'not a configured extension'} (list it under service.extensions)`);
  return extension;
}

/** The running pipeline as a component sees it. */
export interface Host {
  /** Another component (usually an extension) by id, e.g. `file_storage/queue`. */
  getExtension(id: string): ComponentInstance | undefined;
  /** Subscribe to the service's readiness (true once every pipeline started, false while stopping). */
  onReadyChange(listener: (ready: boolean) => void): void;
  isReady(): boolean;
  /**
   * Receivers ask before reading a request body: undefined to go ahead, or the retryable error
   * to answer with at once (so a flood is refused before it is buffered).
   */
  checkAdmission(): ConsumerError | undefined;
  /** Components that gate intake (memory_limiter) register their check at start(). */
  addAdmissionCheck(check: () => ConsumerError | undefined): void;
  /** The running pipelines and each component's state, for status pages (zpages). */
  describe?(): RunningState;
}

export type ComponentStatus = 'starting' | 'running' | 'failed to start' | 'stopping' | 'stopped' | 'failed to stop';

export interface RunningComponent {
  kind: ComponentKind;
  id: string;
  type: string;
  /** Processors: the pipeline owning this instance. */
  pipelineId?: string;
  status: ComponentStatus;
}

export interface RunningState {
  pipelines: { id: string; receivers: string[]; processors: string[]; exporters: string[] }[];
  components: RunningComponent[];
  ready: boolean;
  /** Summit's version, when the command that runs the service knows it. */
  version?: string;
  /** The feature gates Summit knows, as `--feature-gates` set them. */
  featureGates?: { id: string; enabled: boolean; stage: string; description: string }[];
}

export interface ComponentInstance {
  /** Inputs of processors, exporters and connectors, per signal. */
  consumers?: NextConsumers;
  /** Whether this component changes the batches it is given (fan-out then gives it a copy). */
  mutatesData?: boolean;
  /**
   * Exporters: the component records otelcol_exporter_sent / send_failed itself (the exporter
   * helper does, when queued sends really finish), so the graph does not count its consume().
   */
  reportsOwnSendResults?: boolean;
  start?(host: Host): Promise<void>;
  /**
   * Stop accepting, flush what is held, release resources. Bounded by the caller's deadline
   * (`ctx.deadline`; a component that needs no deadline may ignore the argument).
   * Also called when start() was never called or failed, so it must cope with that.
   * A receiver stops accepting new data here but must not wait for its in-flight consume()
   * calls: they complete as the processors after it drain (the service stops those next).
   */
  shutdown?(ctx?: ShutdownContext): Promise<void>;
}

/** What the service tells a component it stops. */
export interface ShutdownContext {
  /**
   * Date.now() by which the component must have settled (a little before service.shutdown_timeout
   * passes, so it has time to say what it gives up): from then on wait for no backend, keep what
   * can be kept durably, and report what is dropped.
   */
  readonly deadline: number;
  /** Data that was acknowledged upstream and is dropped while stopping; the process then exits non-zero. */
  dropped(signal: PipelineSignal, items: number): void;
  /**
   * Set when the component stops for good while its data can still go elsewhere (a backend a
   * load balancer no longer routes to): what it still holds is passed here at once instead of
   * being waited for, kept or dropped. Resolves once the data is accepted elsewhere.
   */
  handOver?<S extends PipelineSignal>(signal: S, data: SignalData[S]): Promise<void>;
}

export interface CreateContext {
  /** Component id as written in config, e.g. `batch/fast`. */
  id: string;
  kind: ComponentKind;
  /** Signals this instance is wired for. For a connector, the input (exporter-side) signals. */
  signals: Signal[];
  /** Also wired for profiles: only a component whose factory lists profiles is. */
  profiles?: boolean;
  /** For connectors: the output (receiver-side) signals. */
  outputSignals: Signal[];
  /** The pipeline this instance belongs to (processors only: one instance per pipeline). */
  pipelineId?: string;
  /**
   * Connectors: each downstream pipeline's own input by pipeline id (`logs/acme`), for connectors
   * that send to chosen pipelines (routing) rather than to all of them through `next`.
   */
  pipelineConsumers?: { [S in Signal]?: Record<string, Consumer<S>> };
  logger: Logger;
  telemetry: SelfTelemetry;
  /** Directory of the config file that defined this component, for resolving relative paths. */
  configDir: string;
}

/** Every signal an instance is wired for, profiles included. */
export function wiredSignals(ctx: Pick<CreateContext, 'signals' | 'profiles'>): PipelineSignal[] {
  return ctx.profiles ? [...ctx.signals, 'profiles'] : ctx.signals;
}

/** JSON schema (draft-07 subset, as ajv understands it). */
export type JSONSchema = Record<string, unknown>;

export interface ComponentFactory<C = any> {
  type: string;
  /** Upstream's other names for this type, e.g. `otlp_grpc` for exporter `otlp`. */
  aliases?: string[];
  kind: ComponentKind;
  /** Signals supported (profiles: see {@link CreateContext.profiles}). Connectors use `connects` instead. */
  signals?: PipelineSignal[];
  /** Connectors: supported [from exporter-side signal, to receiver-side signal] pairs. */
  connects?: [PipelineSignal, PipelineSignal][];
  stability: Stability;
  /** Schema of the component's config; `default` values are filled in by validation. */
  configSchema: JSONSchema;
  /** Cross-field checks ajv cannot express; return messages keyed by key path (`""` for the whole). */
  validate?(config: C): { path: string; message: string }[];
  create(ctx: CreateContext, config: C, next: NextConsumers): ComponentInstance | Promise<ComponentInstance>;
}

/** What is known of a component type without loading its module: enough to list and name it. */
export type ComponentInfo = Pick<ComponentFactory, 'type' | 'aliases' | 'kind' | 'signals' | 'connects' | 'stability'>;

/**
 * A factory whose module is imported only when a config names its type, so that components a
 * config does not use cost no memory or start-up time (nor do their libraries). `load` must
 * resolve to a factory whose info is the same as this one's.
 */
export interface DeferredFactory extends ComponentInfo {
  load(): Promise<ComponentFactory>;
}

export interface Plugin {
  name: string;
  apiVersion: number;
  factories: (ComponentFactory | DeferredFactory)[];
}

/** The plugin API version this build of Summit accepts. */
export const PLUGIN_API_VERSION = 1;
