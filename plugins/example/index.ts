/**
 * A vendor plugin for Summit, kept as the template to copy. A plugin is any module that
 * exports { name, apiVersion, factories }; Summit loads it from the `plugins:` list of a config.
 * Only types are imported from 'summit', so the plugin has no run-time dependency on it.
 */
import type { AnyValue, Attributes, ComponentFactory, Consumer, Signal, SignalData } from 'summit';

interface StampConfig {
  /** Attributes to set on every span, log record and metric data point. */
  attributes: Record<string, string | number | boolean>;
  /** Replace a value the item already has (default false: keep it). */
  overwrite: boolean;
}

function toValue(v: string | number | boolean): AnyValue {
  return typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : v;
}

function itemAttributes<S extends Signal>(signal: S, data: SignalData[S]): Attributes[] {
  const out: Attributes[] = [];
  if (signal === 'traces') {
    for (const rs of (data as SignalData['traces']).resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) out.push(s.attributes);
  } else if (signal === 'logs') {
    for (const rl of (data as SignalData['logs']).resourceLogs) for (const sl of rl.scopeLogs) for (const r of sl.logRecords) out.push(r.attributes);
  } else {
    for (const rm of (data as SignalData['metrics']).resourceMetrics)
      for (const sm of rm.scopeMetrics) for (const m of sm.metrics) for (const p of m.data.dataPoints) out.push(p.attributes);
  }
  return out;
}

const stampProcessor: ComponentFactory<StampConfig> = {
  type: 'example_stamp',
  kind: 'processor',
  signals: ['traces', 'metrics', 'logs'],
  stability: 'development',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['attributes'],
    properties: {
      attributes: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] }, minProperties: 1 },
      overwrite: { type: 'boolean', default: false },
    },
  },
  create(ctx, config, next) {
    const entries = Object.entries(config.attributes).map(([k, v]) => [k, toValue(v)] as const);
    const consumers: Partial<Record<Signal, Consumer>> = {};
    for (const signal of ctx.signals) {
      const downstream = next[signal] as Consumer<typeof signal>;
      consumers[signal] = {
        consume(data) {
          for (const attrs of itemAttributes(signal, data)) {
            for (const [k, v] of entries) if (config.overwrite || !attrs.has(k)) attrs.set(k, v);
          }
          return downstream.consume(data);
        },
      };
    }
    return { consumers, mutatesData: true };
  },
};

export const name = 'summit-plugin-example';
export const apiVersion = 1;
export const factories = [stampProcessor];
