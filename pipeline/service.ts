import type { Logger } from 'pino';
import type { ComponentInstance, ComponentStatus, Host, RunningState, ShutdownContext } from './component.js';
import type { ConsumerError } from './errors.js';
import { buildGraph, type Graph, type GraphNode, type GraphSpec } from './graph.js';
import { SelfTelemetry } from './telemetry.js';
import { startTelemetryServer, type TelemetryServer } from './telemetry-server.js';

export interface ServiceOptions {
  spec: GraphSpec;
  logger: Logger;
  /** Max time for draining on shutdown. */
  shutdownTimeoutMs: number;
  /** host:port for self-telemetry metrics; null turns the endpoint off. */
  metricsAddress: string | null;
  /** Shown by status pages (RunningState.featureGates, .version). */
  featureGates?: RunningState['featureGates'];
  version?: string;
}

/** What stopping gave up; anything here makes `summit` exit non-zero. */
export interface ShutdownResult {
  /** Acknowledged items components dropped while stopping (each logged by its component). */
  droppedItems: number;
  /** Components that did not stop by the deadline, or whose shutdown failed: what they held may be lost. */
  unfinished: string[];
}

/** When stopping must be over, and when components are told to settle (a little earlier, to report what they give up). */
interface Deadline {
  at: number;
  settleBy: number;
}

/** Time kept between the components' settle-by and the hard deadline: a tenth of the timeout, at most 1 s. */
const SETTLE_RESERVE_MAX_MS = 1000;

export class StartError extends Error {
  constructor(readonly componentId: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartError';
  }
}

/**
 * A running pipeline graph: builds the components, starts them exporters-first, and stops them
 * receivers-first so in-flight data drains downstream before its consumers go away.
 */
export class Service implements Host {
  readonly telemetry = new SelfTelemetry();
  private graph?: Graph;
  private ready = false;
  private readonly readyListeners: ((ready: boolean) => void)[] = [];
  private metricsServer?: TelemetryServer;
  private stopping?: Promise<ShutdownResult>;

  constructor(private readonly opts: ServiceOptions) {}


  private readonly status = new WeakMap<GraphNode, ComponentStatus>();

  describe(): RunningState {
    return {
      pipelines: this.opts.spec.pipelines.map(({ id, receivers, processors, exporters }) => ({ id, receivers, processors, exporters })),
      components: (this.graph?.stopOrder ?? []).map((n) => ({
        kind: n.kind,
        id: n.id,
        type: n.spec.factory.type,
        ...(n.pipelineId ? { pipelineId: n.pipelineId } : {}),
        status: this.status.get(n) ?? 'starting',
      })),
      ready: this.ready,
      ...(this.opts.featureGates ? { featureGates: this.opts.featureGates } : {}),
      ...(this.opts.version ? { version: this.opts.version } : {}),
    };
  }

  getExtension(id: string): ComponentInstance | undefined {
    return this.graph?.extensions.get(id);
  }

  onReadyChange(listener: (ready: boolean) => void): void {
    this.readyListeners.push(listener);
  }

  isReady(): boolean {
    return this.ready;
  }

  private readonly admissionChecks: (() => ConsumerError | undefined)[] = [];

  checkAdmission(): ConsumerError | undefined {
    for (const check of this.admissionChecks) {
      const refusal = check();
      if (refusal) return refusal;
    }
    return undefined;
  }

  addAdmissionCheck(check: () => ConsumerError | undefined): void {
    this.admissionChecks.push(check);
  }

  /** Builds and starts everything; on any failure stops what did start and throws StartError. */
  async start(): Promise<void> {
    const { logger } = this.opts;
    try {
      if (this.opts.metricsAddress) {
        this.metricsServer = await startTelemetryServer(this.opts.metricsAddress, this.telemetry, logger).catch((err) => {
          throw new StartError('service::telemetry::metrics', `cannot serve self-telemetry on ${this.opts.metricsAddress}: ${err.message}`, {
            cause: err,
          });
        });
      }
      this.graph = await buildGraph(this.opts.spec, { logger, telemetry: this.telemetry });
      for (const node of [...this.graph.stopOrder].reverse()) await this.startNode(node);
    } catch (err) {
      await this.stopAll(deadlineIn(this.opts.shutdownTimeoutMs));
      throw err instanceof StartError ? err : new StartError('service', (err as Error)?.message ?? String(err), { cause: err });
    }
    this.setReady(true);
    logger.info({ pipelines: this.opts.spec.pipelines.map((p) => p.id) }, 'Everything is ready. Begin running and processing data.');
  }

  /**
   * Replaces the running graph with one built from `spec` without losing acknowledged data:
   * the new exporters and processors start first, kept receivers switch over to them (their
   * ports stay open), changed receivers are stopped and started anew, and only then does the
   * old graph drain and stop. If the new graph cannot be created or started, the old one keeps
   * running untouched and this throws.
   */
  async reload(spec: GraphSpec, shutdownTimeoutMs = this.opts.shutdownTimeoutMs): Promise<void> {
    const old = this.graph;
    if (!old || this.stopping) throw new Error('reload needs a running service');
    const next = await buildGraph(spec, { logger: this.opts.logger, telemetry: this.telemetry }, old);
    const fresh = next.stopOrder.filter((n) => !next.reused.has(n));
    const freshReceivers = fresh.filter((n) => n.kind === 'receiver');
    const freshOthers = fresh.filter((n) => n.kind !== 'receiver');
    const deadline = () => deadlineIn(shutdownTimeoutMs);
    // Losses while retiring components are logged by them; the exit code reports the final stop only.
    const retiring = emptyResult();

    const started: GraphNode[] = [];
    try {
      for (const node of [...freshOthers].reverse()) {
        await this.startNode(node);
        started.push(node);
      }
    } catch (err) {
      const until = deadline();
      for (const node of [...freshOthers]) await this.withDeadline(node, until, retiring);
      throw err;
    }
    this.opts.spec = spec;
    this.opts.shutdownTimeoutMs = shutdownTimeoutMs;
    next.activate();
    const retired = old.stopOrder.filter((n) => !next.reused.has(n));
    const until = deadline();
    // Changed receivers must let go of their ports before their replacements bind them.
    for (const node of retired.filter((n) => n.kind === 'receiver')) await this.withDeadline(node, until, retiring);
    this.graph = next;
    const failures: Error[] = [];
    for (const node of freshReceivers) {
      try {
        await this.startNode(node);
      } catch (err) {
        failures.push(err as Error);
        await this.withDeadline(node, until, retiring);
      }
    }
    for (const node of retired.filter((n) => n.kind !== 'receiver')) await this.withDeadline(node, until, retiring);
    if (failures.length) throw new Error(`reloaded, but ${failures.map((f) => f.message).join('; ')}; those receivers are not running`);
    this.opts.logger.info({ pipelines: spec.pipelines.map((p) => p.id), kept: [...next.reused].map((n) => n.id) }, 'Config reloaded.');
  }

  /** Drains and stops; safe to call more than once. Says what was given up, if anything. */
  shutdown(): Promise<ShutdownResult> {
    this.stopping ??= this.doShutdown();
    return this.stopping;
  }

  private async doShutdown(): Promise<ShutdownResult> {
    const { logger } = this.opts;
    this.setReady(false);
    logger.info('Shutdown: draining in-flight data');
    const result = await this.stopAll(deadlineIn(this.opts.shutdownTimeoutMs));
    if (result.droppedItems === 0 && result.unfinished.length === 0) {
      logger.info('Shutdown complete.');
      return result;
    }
    const gaveUp = [
      ...(result.droppedItems > 0 ? [`${result.droppedItems} acknowledged items were dropped`] : []),
      ...(result.unfinished.length > 0 ? [`${result.unfinished.join(', ')} did not stop cleanly within service.shutdown_timeout (what they held may be lost)`] : []),
    ];
    logger.error({ dropped_items: result.droppedItems, unfinished: result.unfinished }, `Shutdown complete, but ${gaveUp.join(', and ')}; see the lines above.`);
    return result;
  }

  private async startNode(node: GraphNode): Promise<void> {
    this.status.set(node, 'starting');
    try {
      await node.instance.start?.(this);
      this.status.set(node, 'running');
    } catch (err) {
      this.status.set(node, 'failed to start');
      throw new StartError(nodeName(node), `${nodeName(node)} failed to start: ${(err as Error)?.message ?? err}`, { cause: err });
    }
  }

  /**
   * Every created component gets shutdown(), started or not, so whatever create() or a failed
   * start() took is freed. Exporters feed nothing in the graph, so they drain side by side, each
   * until the same deadline.
   */
  private async stopAll(deadline: Deadline): Promise<ShutdownResult> {
    const result = emptyResult();
    const order = this.graph?.stopOrder ?? [];
    for (let i = 0; i < order.length; ) {
      let end = i + 1;
      if (order[i].kind === 'exporter') while (end < order.length && order[end].kind === 'exporter') end++;
      await Promise.all(order.slice(i, end).map((node) => this.withDeadline(node, deadline, result)));
      i = end;
    }
    await this.metricsServer?.close();
    this.metricsServer = undefined;
    return result;
  }

  private async withDeadline(node: GraphNode, deadline: Deadline, result: ShutdownResult): Promise<void> {
    const ctx: ShutdownContext = {
      deadline: deadline.settleBy,
      dropped: (_signal, items) => (result.droppedItems += items),
    };
    let timer: NodeJS.Timeout | undefined;
    this.status.set(node, 'stopping');
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline.at - Date.now()));
    });
    try {
      const outcome = await Promise.race([Promise.resolve(node.instance.shutdown?.(ctx)).then(() => 'ok' as const), timeout]);
      this.status.set(node, outcome === 'ok' ? 'stopped' : 'failed to stop');
      if (outcome === 'timeout') {
        result.unfinished.push(nodeName(node));
        this.opts.logger.error(`${nodeName(node)} did not stop within the shutdown timeout; data it held may be lost`);
      }
    } catch (err) {
      this.status.set(node, 'failed to stop');
      result.unfinished.push(nodeName(node));
      this.opts.logger.error({ err }, `${nodeName(node)} failed to stop cleanly; data it held may be lost`);
    } finally {
      clearTimeout(timer);
    }
  }

  private setReady(ready: boolean): void {
    if (this.ready === ready) return;
    this.ready = ready;
    for (const l of this.readyListeners) l(ready);
  }
}

function deadlineIn(timeoutMs: number): Deadline {
  const at = Date.now() + timeoutMs;
  return { at, settleBy: at - Math.min(SETTLE_RESERVE_MAX_MS, timeoutMs / 10) };
}

function emptyResult(): ShutdownResult {
  return { droppedItems: 0, unfinished: [] };
}

function nodeName(node: GraphNode): string {
  return `${node.kind} "${node.id}"${node.pipelineId ? ` in pipeline "${node.pipelineId}"` : ''}`;
}
