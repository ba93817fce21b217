import type { ComponentFactory, ComponentKind } from '../pipeline/component.js';
import type { PipelineSignal } from '../pipeline/model.js';

/** Where a config value came from: a file position, or a `--set` flag. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface ConfigProblem {
  severity: 'error' | 'warning';
  location?: SourceLocation;
  /** e.g. `processors::batch/fast` or `service::pipelines::traces`. */
  componentId?: string;
  /** Key path inside the component (or the document), e.g. `protocols.grpc.endpoint`. */
  keyPath?: string;
  message: string;
}

export interface ResolvedComponent {
  id: string;
  kind: ComponentKind;
  type: string;
  factory: ComponentFactory;
  /** Validated config with upstream defaults filled in. */
  config: unknown;
  location?: SourceLocation;
  /** Directory of the file that defined it, for relative paths. */
  configDir: string;
}

export interface ResolvedPipeline {
  /** e.g. `traces`, `traces/2`. */
  id: string;
  signal: PipelineSignal;
  receivers: string[];
  processors: string[];
  exporters: string[];
  location?: SourceLocation;
}

export interface TelemetrySettings {
  metrics: {
    level: 'none' | 'basic' | 'normal' | 'detailed';
    /** host:port of the Prometheus endpoint; null when metrics are off. */
    address: string | null;
  };
  logs: {
    level: 'debug' | 'info' | 'warn' | 'error';
    encoding: 'json' | 'console' | 'auto';
  };
}

export interface ResolvedConfig {
  receivers: Map<string, ResolvedComponent>;
  processors: Map<string, ResolvedComponent>;
  exporters: Map<string, ResolvedComponent>;
  connectors: Map<string, ResolvedComponent>;
  extensions: Map<string, ResolvedComponent>;
  pipelines: ResolvedPipeline[];
  /** Extension ids enabled under service.extensions, in order. */
  serviceExtensions: string[];
  telemetry: TelemetrySettings;
  shutdownTimeoutMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.filter((p) => p.severity === 'error').map(formatProblemLine).join('\n'));
    this.name = 'ConfigError';
  }
}

/** `file:line:col: component: key: message` — the one format every config problem is shown in. */
export function formatProblemLine(p: ConfigProblem): string {
  const parts: string[] = [];
  if (p.location) parts.push(`${p.location.file}:${p.location.line}:${p.location.column}`);
  if (p.componentId) parts.push(p.componentId);
  if (p.keyPath) parts.push(p.keyPath);
  parts.push(p.message);
  return `${p.severity}: ${parts.join(': ')}`;
}
