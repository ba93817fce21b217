/**
 * Service health: rate, error rate, p50/p95/p99 and Apdex per service and operation, charts over
 * time, the service map — from the spanmetrics and servicegraph connectors' metrics when they are
 * wired, else from the spans held.
 */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.js';
import { ErrorText, TimeChart } from '../components.js';
import { duration, pct } from '../format.js';

interface Golden {
  service: string;
  operation: string;
  requests: number;
  rate: number;
  errorRate: number;
  p50: number;
  p95: number;
  p99: number;
  apdex: number;
  series: [number, number, number, number][];
}
interface Edge {
  from: string;
  to: string;
  rate: number;
  errorRate: number;
  requests: number;
}

const SOURCE: Record<string, string> = { spans: 'the spans held', spanmetrics: 'spanmetrics metrics', servicegraph: 'servicegraph metrics' };

function ServiceMap({ services, edges }: { services: string[]; edges: Edge[] }) {
  const w = 560;
  const h = 320;
  const r = Math.min(w, h) / 2 - 50;
  const at = new Map(services.map((s, i) => [s, [w / 2 + r * Math.cos((2 * Math.PI * i) / services.length - Math.PI / 2), h / 2 + r * Math.sin((2 * Math.PI * i) / services.length - Math.PI / 2)]]));
  return html`<svg class="service-map" width=${w} height=${h} role="img" aria-label="Service map">
    <defs><marker id="arrow" viewBox="0 0 10 10" refX="28" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" /></marker></defs>
    ${edges.map((e) => {
      const [x1, y1] = at.get(e.from)!;
      const [x2, y2] = at.get(e.to)!;
      return html`<g class=${`edge ${e.errorRate > 0 ? 'failing' : ''}`}>
        <line x1=${x1} y1=${y1} x2=${x2} y2=${y2} marker-end="url(#arrow)" />
        <text x=${(x1 + x2) / 2} y=${(y1 + y2) / 2 - 4}>${e.rate.toFixed(2)}/s · ${pct(e.errorRate)} err</text>
      </g>`;
    })}
    ${services.map((s) => {
      const [x, y] = at.get(s)!;
      return html`<g class="node"><circle cx=${x} cy=${y} r="22" /><text x=${x} y=${y + 38}>${s}</text></g>`;
    })}
  </svg>`;
}

export function Services() {
  const [data, setData] = useState<{ golden: Golden[]; map: { services: string[]; edges: Edge[] }; sources: { golden: string; map: string } }>();
  const [error, setError] = useState<string>();
  const [minutes, setMinutes] = useState(60);
  useEffect(() => {
    get<typeof data>('/ui/api/services', { minutes }).then(setData, (e: Error) => setError(e.message));
  }, [minutes]);
  const whole = (data?.golden ?? []).filter((g) => g.operation === '*');
  return html`<section>
    <h1>Service health</h1>
    <div class="toolbar">
      <select aria-label="Window" value=${minutes} onChange=${(e: Event) => setMinutes(Number((e.target as HTMLSelectElement).value))}>
        <option value="15">15 minutes</option><option value="60">1 hour</option><option value="360">6 hours</option><option value="1440">24 hours</option>
      </select>
    </div>
    <${ErrorText} error=${error} />
    ${data ? html`<p class="muted sources">Golden signals from <b class="golden-source">${SOURCE[data.sources.golden]}</b>; the map from <b class="map-source">${SOURCE[data.sources.map]}</b>.</p>` : null}
    <h2>Service map</h2>
    ${data ? html`<${ServiceMap} services=${data.map.services} edges=${data.map.edges} />` : null}
    <h2>Golden signals</h2>
    <table class="list golden">
      <thead><tr><th>Service</th><th>Operation</th><th>Rate</th><th>Errors</th><th>p50</th><th>p95</th><th>p99</th><th>Apdex</th></tr></thead>
      <tbody>
        ${(data?.golden ?? []).map(
          (g) => html`<tr class=${g.operation === '*' ? 'service' : ''}>
            <td>${g.service}</td><td>${g.operation === '*' ? 'all' : g.operation}</td><td>${g.rate.toFixed(2)}/s</td><td>${pct(g.errorRate)}</td>
            <td>${duration(g.p50)}</td><td>${duration(g.p95)}</td><td>${duration(g.p99)}</td><td>${g.apdex.toFixed(2)}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    <div class="charts">
      ${whole.map((g) => {
        const x = g.series.map((p) => p[0] / 1000);
        return html`<div class="chart-group"><h3>${g.service}</h3>
          <${TimeChart} title="Requests / min" x=${x} series=${[{ label: 'requests', values: g.series.map((p) => p[1]), color: '#4c8bf5' }, { label: 'errors', values: g.series.map((p) => p[2]), color: '#e5484d' }]} />
          <${TimeChart} title="p95 latency (ms)" x=${x} series=${[{ label: 'p95', values: g.series.map((p) => p[3]), color: '#f5a524' }]} />
        </div>`;
      })}
    </div>
  </section>`;
}
