/**
 * Annotation templates: the `{{ .labels.NAME }}`, `{{ .value }}` and `{{ .externalURL }}`
 * references of Go templates (and Prometheus's `{{ $labels.NAME }}`, `{{ $value }}`), checked when
 * the config loads. Control structures and pipes are not supported.
 */
export interface TemplateData {
  labels: Record<string, string>;
  value: number | undefined;
  externalURL: string;
}

export type Template = (data: TemplateData) => string;

const ACTION = /\{\{-?\s*(.*?)\s*-?\}\}/g;
const REFERENCE = /^(?:\.labels\.|\$labels\.)([A-Za-z_][A-Za-z0-9_.]*)$|^(\.value|\$value)$|^(\.externalURL|\$externalURL)$/;

/** Compiles a template; throws naming the action that is not a supported reference. */
export function compileTemplate(text: string): Template {
  const parts: ((d: TemplateData) => string)[] = [];
  let last = 0;
  for (const m of text.matchAll(ACTION)) {
    const literal = text.slice(last, m.index);
    parts.push(() => literal);
    last = m.index + m[0].length;
    const ref = REFERENCE.exec(m[1]);
    if (!ref) throw new Error(`template action "{{ ${m[1]} }}" is not supported: use {{ .labels.NAME }}, {{ .value }} or {{ .externalURL }}`);
    if (ref[1] !== undefined) {
      const name = ref[1];
      parts.push((d) => d.labels[name] ?? '');
    } else if (ref[2] !== undefined) parts.push((d) => formatValue(d.value));
    else parts.push((d) => d.externalURL);
  }
  const tail = text.slice(last);
  parts.push(() => tail);
  return (d) => parts.map((p) => p(d)).join('');
}

/** Values read as people write them: at most 4 significant decimals, no exponent for usual sizes. */
export function formatValue(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return '';
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}
