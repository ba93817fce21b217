/**
 * What a decode of a request counts against its DecodeLimits, computed from the model, so the
 * tests of both codecs can check they count the same things (pipeline/decode-limits.ts).
 */
import type { AnyValue, Attributes, Logs, Metrics, Signal, SignalData, Traces } from '../../model.js';

const nested = (v: AnyValue): number => {
  if (Array.isArray(v)) return v.length + v.reduce((n: number, x) => n + nested(x), 0);
  if (v instanceof Map) return attributeValues(v);
  return 0;
};
const attributeValues = (a: Attributes): number => {
  let n = a.size;
  for (const v of a.values()) n += nested(v);
  return n;
};

/**
 * A repeated attribute key counts once per key/value on the wire but keeps one entry in the
 * model, so this is exact for models (what the tests encode), not for arbitrary bytes.
 */
export function decodedSize<S extends Signal>(signal: S, data: SignalData[S]): { items: number; values: number } {
  let items = 0;
  let values = 0;
  const groups =
    signal === 'traces' ? (data as Traces).resourceSpans : signal === 'logs' ? (data as Logs).resourceLogs : (data as Metrics).resourceMetrics;
  for (const rg of groups) {
    items++;
    values += attributeValues(rg.resource.attributes);
    const scopes = 'scopeSpans' in rg ? rg.scopeSpans : 'scopeLogs' in rg ? rg.scopeLogs : rg.scopeMetrics;
    for (const sg of scopes) {
      items++;
      values += attributeValues(sg.scope.attributes);
      if ('spans' in sg) {
        for (const s of sg.spans) {
          items += 1 + s.events.length + s.links.length;
          values += attributeValues(s.attributes);
          for (const e of s.events) values += attributeValues(e.attributes);
          for (const l of s.links) values += attributeValues(l.attributes);
        }
      } else if ('logRecords' in sg) {
        for (const r of sg.logRecords) {
          items++;
          values += attributeValues(r.attributes) + nested(r.body);
        }
      } else {
        for (const m of sg.metrics) {
          items += 1 + m.data.dataPoints.length;
          values += attributeValues(m.metadata);
          for (const p of m.data.dataPoints) {
            values += attributeValues(p.attributes);
            if ('quantileValues' in p) values += p.quantileValues.length;
            if ('exemplars' in p) {
              items += p.exemplars.length;
              for (const e of p.exemplars) values += attributeValues(e.filteredAttributes);
            }
          }
        }
      }
    }
  }
  return { items, values };
}
