import type { Logger } from 'pino';
import type { ComponentFactory, ComponentInstance, ComponentKind, Consumer, CreateContext, NextConsumers } from './component.js';
import { fanOut, type Branch } from './fanout.js';
import type { PipelineSignal, Signal } from './model.js';
import { countItems } from './model-ops.js';
import type { SelfTelemetry } from './telemetry.js';
import { currentTransport } from './receiver-transport.js';

/** What the graph needs of a configured component; config/ produces these. */
export interface ComponentSpec {
  id: string;
  factory: ComponentFactory;
  config: unknown;
  configDir: string;
}

export interface PipelineSpec {
  id: string;
  signal: PipelineSignal;
  receivers: string[];
  processors: string[];
  exporters: string[];
}

export interface GraphSpec {
  receivers: Map<string, ComponentSpec>;
  processors: Map<string, ComponentSpec>;
  exporters: Map<string, ComponentSpec>;
  connectors: Map<string, ComponentSpec>;
  extensions: Map<string, ComponentSpec>;
  pipelines: PipelineSpec[];
  serviceExtensions: string[];
}

/** A created component, with what the lifecycle needs to start and stop it. */
export interface GraphNode {
  kind: ComponentKind;
  id: string;
  /** For processors, the pipeline owning this instance. */
  pipelineId?: string;
  instance: ComponentInstance;
  spec: ComponentSpec;
  signals: PipelineSignal[];
  /** Receivers: where each signal's data goes, re-pointed when a reload keeps the receiver. */
  switches?: Partial<Record<PipelineSignal, Switch>>;
}

/** A consumer whose target can change while senders hold on to it. */
interface Switch extends Consumer<PipelineSignal> {
  target: Consumer<PipelineSignal>;
}

function switchTo(target: Consumer<PipelineSignal>): Switch {
  return {
    target,
    consume(data) {
      return this.target.consume(data);
    },
  };
}

/**
 * The created components in the order they must stop: receivers, then each pipeline's
 * processors and the connectors they feed, upstream before downstream, then exporters, then
 * extensions. Starting goes in the reverse order.
 */
export interface Graph {
  stopOrder: GraphNode[];
  extensions: Map<string, ComponentInstance>;
  /** Nodes taken over, running, from the graph this one replaces. */
  reused: Set<GraphNode>;
  /** Points the taken-over receivers at this graph's pipelines (a reload's switch-over). */
  activate(): void;
}

type Entry<S extends PipelineSignal> = Branch<S>;

export class GraphError extends Error {
  constructor(readonly componentId: string, message: string, options?: { cause?: unknown }) {
    super(`${componentId}: ${message}`, options);
    this.name = 'GraphError';
  }
}

/**
 * Creates every component of the spec and wires consumers; starts nothing. With `previous`
 * (a reload), receivers, exporters and extensions whose type, config and signals did not change
 * are taken over running instead of created: a kept receiver keeps its port and is re-pointed
 * at the new pipelines. Processors and connectors are always new (their wiring is fixed at
 * creation).
 */
export async function buildGraph(spec: GraphSpec, deps: { logger: Logger; telemetry: SelfTelemetry }, previous?: Graph): Promise<Graph> {
  return new GraphBuilder(spec, deps, previous).build();
}

const REUSABLE: ReadonlySet<ComponentKind> = new Set(['receiver', 'exporter', 'extension']);

class GraphBuilder {
  private readonly exporters = new Map<string, GraphNode>();
  private readonly connectors = new Map<string, GraphNode>();
  private readonly connectorMutates = new Map<string, boolean>();
  private readonly pipelineEntries = new Map<string, Entry<PipelineSignal>>();
  private readonly processorNodes = new Map<string, GraphNode[]>();
  /** Pipelines and connectors in the order their entries finished building: downstream first. */
  private readonly downstreamFirst: ({ pipeline: string } | { connector: string })[] = [];
  private readonly reused = new Set<GraphNode>();

  constructor(
    private readonly spec: GraphSpec,
    private readonly deps: { logger: Logger; telemetry: SelfTelemetry },
    private readonly previous?: Graph,
  ) {}

  async build(): Promise<Graph> {
    const extensionNodes: GraphNode[] = [];
    const extensions = new Map<string, ComponentInstance>();
    for (const id of this.spec.serviceExtensions) {
      const node = await this.create('extension', this.must(this.spec.extensions, id, 'extension'), [], [], {});
      extensionNodes.push(node);
      extensions.set(id, node.instance);
    }
    for (const p of this.spec.pipelines) await this.pipelineEntry(p.id);

    const receiverNodes: GraphNode[] = [];
    const retargets: (() => void)[] = [];
    for (const [id, rspec] of this.spec.receivers) {
      const using = this.spec.pipelines.filter((p) => p.receivers.includes(id));
      if (using.length === 0) continue;
      const switches: Partial<Record<PipelineSignal, Switch>> = {};
      for (const signal of unique(using.map((p) => p.signal))) {
        const branches = using.filter((p) => p.signal === signal).map((p) => this.pipelineEntries.get(p.id)!);
        switches[signal] = switchTo(this.countReceived(id, signal, fanOut(signal, branches)));
      }
      const node = await this.create('receiver', rspec, Object.keys(switches) as PipelineSignal[], [], switches as NextConsumers);
      if (this.reused.has(node)) {
        for (const [signal, sw] of Object.entries(switches)) retargets.push(() => (node.switches![signal as PipelineSignal]!.target = sw.target));
      } else {
        node.switches = switches;
      }
      receiverNodes.push(node);
    }

    const middle: GraphNode[] = [];
    for (const step of [...this.downstreamFirst].reverse()) {
      if ('pipeline' in step) middle.push(...(this.processorNodes.get(step.pipeline) ?? []));
      else middle.push(this.connectors.get(step.connector)!);
    }
    return {
      stopOrder: [...receiverNodes, ...middle, ...this.exporters.values(), ...extensionNodes.reverse()],
      extensions,
      reused: this.reused,
      activate: () => retargets.forEach((r) => r()),
    };
  }

  /** The consumer at the head of a pipeline: its first processor, or its exporters' fan-out. */
  private async pipelineEntry(pipelineId: string): Promise<Entry<PipelineSignal>> {
    const done = this.pipelineEntries.get(pipelineId);
    if (done) return done;
    const p = this.spec.pipelines.find((x) => x.id === pipelineId)!;
    const branches: Branch<PipelineSignal>[] = [];
    for (const id of p.exporters) {
      if (this.spec.connectors.has(id)) {
        const node = await this.connector(id);
        branches.push({ consumer: this.input(node, p.signal), mutates: this.connectorMutates.get(id)! });
      } else {
        const node = await this.exporter(id);
        const input = this.input(node, p.signal);
        const consumer = node.instance.reportsOwnSendResults ? input : this.countExported(id, p.signal, input);
        branches.push({ consumer, mutates: !!node.instance.mutatesData });
      }
    }
    const tail = fanOut(p.signal, branches);
    let entry: Entry<PipelineSignal> = { consumer: tail, mutates: tail.mutates };
    const nodes: GraphNode[] = [];
    for (const id of [...p.processors].reverse()) {
      const next = { [p.signal]: this.countProcessor(id, p.signal, 'outgoing', entry.consumer) } as NextConsumers;
      const node = await this.create('processor', this.must(this.spec.processors, id, 'processor'), [p.signal], [], next, p.id);
      nodes.unshift(node);
      entry = {
        consumer: this.countProcessor(id, p.signal, 'incoming', this.input(node, p.signal)),
        mutates: entry.mutates || !!node.instance.mutatesData,
      };
    }
    this.processorNodes.set(p.id, nodes);
    this.pipelineEntries.set(p.id, entry);
    this.downstreamFirst.push({ pipeline: p.id });
    return entry;
  }

  private async exporter(id: string): Promise<GraphNode> {
    const existing = this.exporters.get(id);
    if (existing) return existing;
    const signals = unique(this.spec.pipelines.filter((p) => p.exporters.includes(id)).map((p) => p.signal));
    const node = await this.create('exporter', this.must(this.spec.exporters, id, 'exporter'), signals, [], {});
    this.exporters.set(id, node);
    return node;
  }

  private async connector(id: string): Promise<GraphNode> {
    const existing = this.connectors.get(id);
    if (existing) return existing;
    const inputs = unique(this.spec.pipelines.filter((p) => p.exporters.includes(id)).map((p) => p.signal));
    const downstream = this.spec.pipelines.filter((p) => p.receivers.includes(id));
    const next: NextConsumers = {};
    const pipelineConsumers: Record<string, Record<string, Consumer>> = {};
    let mutates = false;
    for (const signal of unique(downstream.map((p) => p.signal))) {
      const branches: Branch<PipelineSignal>[] = [];
      pipelineConsumers[signal] = {};
      for (const p of downstream.filter((x) => x.signal === signal)) {
        const entry = await this.pipelineEntry(p.id);
        branches.push(entry);
        pipelineConsumers[signal][p.id] = this.countReceived(id, signal, entry.consumer);
      }
      const fan = fanOut(signal, branches);
      mutates ||= fan.mutates;
      (next as Record<PipelineSignal, Consumer<PipelineSignal>>)[signal] = this.countReceived(id, signal, fan);
    }
    const node = await this.create('connector', this.must(this.spec.connectors, id, 'connector'), inputs, Object.keys(next) as PipelineSignal[], next, undefined, pipelineConsumers);
    this.connectors.set(id, node);
    // A connector that passes batches through hands them to downstream pipelines that may mutate.
    this.connectorMutates.set(id, mutates || !!node.instance.mutatesData);
    this.downstreamFirst.push({ connector: id });
    return node;
  }

  private async create(
    kind: ComponentKind,
    spec: ComponentSpec,
    signals: PipelineSignal[],
    outputSignals: PipelineSignal[],
    next: NextConsumers,
    pipelineId?: string,
    pipelineConsumers?: CreateContext['pipelineConsumers'],
  ): Promise<GraphNode> {
    const kept = this.keep(kind, spec, signals);
    if (kept) return kept;
    const ctx: CreateContext = {
      id: spec.id,
      kind,
      signals: signals.filter(isModelSignal),
      ...(signals.includes('profiles') && { profiles: true }),
      outputSignals: outputSignals.filter(isModelSignal),
      pipelineId,
      pipelineConsumers,
      logger: this.deps.logger.child({ [kind]: spec.id, ...(pipelineId ? { pipeline: pipelineId } : {}) }),
      telemetry: this.deps.telemetry,
      configDir: spec.configDir,
    };
    let instance: ComponentInstance;
    try {
      instance = await spec.factory.create(ctx, spec.config ?? {}, next);
    } catch (err) {
      throw new GraphError(`${kind} ${spec.id}`, `cannot be created: ${(err as Error)?.message ?? err}`, { cause: err });
    }
    for (const s of kind === 'receiver' || kind === 'extension' ? [] : signals) {
      if (!instance.consumers?.[s]) throw new GraphError(`${kind} ${spec.id}`, `provides no consumer for ${s}`);
    }
    return { kind, id: spec.id, pipelineId, instance, spec, signals };
  }

  /** The running node of the previous graph that this one may take over unchanged, if any. */
  private keep(kind: ComponentKind, spec: ComponentSpec, signals: PipelineSignal[]): GraphNode | undefined {
    if (!this.previous || !REUSABLE.has(kind)) return undefined;
    const old = this.previous.stopOrder.find((n) => n.kind === kind && n.id === spec.id);
    if (!old || old.spec.factory !== spec.factory || !sameValue(old.spec.config, spec.config)) return undefined;
    if ([...old.signals].sort().join() !== [...signals].sort().join()) return undefined;
    this.reused.add(old);
    return old;
  }

  private input(node: GraphNode, signal: PipelineSignal): Consumer<PipelineSignal> {
    return node.instance.consumers![signal] as Consumer<PipelineSignal>;
  }

  private must(map: Map<string, ComponentSpec>, id: string, kind: string): ComponentSpec {
    const spec = map.get(id);
    if (!spec) throw new GraphError(id, `${kind} is not defined`);
    return spec;
  }

  private countReceived(id: string, signal: PipelineSignal, inner: Consumer<PipelineSignal>): Consumer<PipelineSignal> {
    return counted(signal, inner, () => {
      const transport = currentTransport();
      return (n, ok) => this.deps.telemetry.receiverResult(signal, id, transport, n, ok);
    });
  }

  private countExported(id: string, signal: PipelineSignal, inner: Consumer<PipelineSignal>): Consumer<PipelineSignal> {
    const report = (n: number, ok: boolean) => this.deps.telemetry.exporterResult(signal, id, n, ok);
    return counted(signal, inner, () => report);
  }

  private countProcessor(id: string, signal: PipelineSignal, direction: 'incoming' | 'outgoing', inner: Consumer<PipelineSignal>): Consumer<PipelineSignal> {
    const t = this.deps.telemetry;
    return {
      consume(data) {
        t.processorItems(signal, id, countItems(signal, data), direction);
        return inner.consume(data);
      },
    };
  }
}

/** Wraps a consumer to report how many items it took or refused. */
/** `begin` runs as the call starts (where the receiver's transport is known), its result as it ends. */
function counted(signal: PipelineSignal, inner: Consumer<PipelineSignal>, begin: () => (items: number, ok: boolean) => void): Consumer<PipelineSignal> {
  return {
    async consume(data) {
      const report = begin();
      const n = countItems(signal, data);
      try {
        await inner.consume(data);
      } catch (err) {
        report(n, false);
        throw err;
      }
      report(n, true);
    },
  };
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});
}

function isModelSignal(s: PipelineSignal): s is Signal {
  return s !== 'profiles';
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
