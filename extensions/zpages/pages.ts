import type { RunningState } from '../../pipeline/index.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML: every id and name comes from the config, which may hold anything. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const LINKS = ['servicez', 'pipelinez', 'extensionz', 'featurez'];

function page(title: string, body: string): string {
  const nav = LINKS.map((l) => `<a href="/debug/${l}">${l}</a>`).join(' | ');
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>\n<p>${nav}</p>\n<h1>${escapeHtml(title)}</h1>\n${body}</body></html>\n`;
}

function table(header: string[], rows: string[][]): string {
  const th = header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const trs = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table border="1" cellpadding="4">\n<tr>${th}</tr>\n${trs}\n</table>\n`;
}

export function servicez(state: RunningState, startedAt: Date): string {
  return page(
    'Service',
    table(['', ''], [
      ['Summit version', state.version ?? 'unknown'],
      ['Start time', startedAt.toISOString()],
      ['Uptime', `${Math.round((Date.now() - startedAt.getTime()) / 1000)}s`],
      ['Ready', String(state.ready)],
      ['Pipelines', String(state.pipelines.length)],
      ['Components', String(state.components.length)],
    ]),
  );
}

/** Each pipeline with its components in order, and the state each instance is in now. */
export function pipelinez(state: RunningState): string {
  const statusOf = (kind: string, id: string, pipeline: string) =>
    state.components.find((c) => c.kind === kind && c.id === id && (kind !== 'processor' || c.pipelineId === pipeline)) ??
    state.components.find((c) => c.id === id && c.kind === 'connector');
  const rows = state.pipelines.flatMap((p) =>
    (['receivers', 'processors', 'exporters'] as const).flatMap((list) =>
      p[list].map((id) => {
        const c = statusOf(list.slice(0, -1), id, p.id);
        return [p.id, c?.kind ?? list.slice(0, -1), id, c?.type ?? '', c?.status ?? 'unknown'];
      }),
    ),
  );
  return page('Pipelines', table(['Pipeline', 'Kind', 'Component', 'Type', 'Status'], rows));
}

export function extensionz(state: RunningState): string {
  const rows = state.components.filter((c) => c.kind === 'extension').map((c) => [c.id, c.type, c.status]);
  return page('Extensions', table(['Extension', 'Type', 'Status'], rows));
}

export function featurez(state: RunningState): string {
  const rows = (state.featureGates ?? []).map((g) => [g.id, String(g.enabled), g.stage, g.description]);
  return page('Feature gates', table(['ID', 'Enabled', 'Stage', 'Description'], rows));
}
