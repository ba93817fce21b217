// Upstream's `url_sanitizer`: high-cardinality path segments (ids, hashes, numbers) become `*`
// and the query and fragment go, so `/users/42/orders?page=2` groups as `/users/*/orders`.
// Upstream uses grafana/clusterurl; this is its character rule without its trained gibberish
// model (see README).
import { SpanKind, type Span } from '../../pipeline/model.js';

export interface UrlSanitizerConfig {
  enabled: boolean;
  /** Attribute keys whose values are URLs to sanitize (log bodies and span names do not need listing). */
  attributes: string[];
  sanitize_span_name: boolean;
  sanitize_log_body: boolean;
}

/** clusterurl's defaults: at most 10 segments are kept. */
const MAX_SEGMENTS = 10;

/** Letters and `- _ . space` keep a segment; one other character is forgiven in second place (`v1`, `k6-runs`). */
function isWordChar(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 95 || c === 46 || c === 32;
}

function segmentIsVariable(segment: string): boolean {
  let forgiven = false;
  for (let i = 0; i < segment.length; i++) {
    if (isWordChar(segment.charCodeAt(i))) continue;
    if (i === 1 && !forgiven) {
      forgiven = true;
      continue;
    }
    return true;
  }
  return false;
}

/** The path with its query and fragment cut and every variable segment replaced by `*`. */
export function clusterUrl(path: string): string {
  let end = path.length;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 63 || c === 38 || c === 35) {
      end = i; // ? & #
      break;
    }
  }
  const segments = path.slice(0, end).split('/', MAX_SEGMENTS);
  let out = '';
  for (let i = 0; i < segments.length; i++) {
    if (i > 0) out += '/';
    out += segmentIsVariable(segments[i]) ? '*' : segments[i];
  }
  return out;
}

/** Span attributes upstream takes as the sign of an HTTP span (semconv 1.25 and 1.40 names). */
const HTTP_ATTRIBUTES = [
  'http.route',
  'http.request.method',
  'http.request.method_original',
  'http.response.status_code',
  'url.full',
  'http.scheme',
  'http.target',
  'http.method',
  'http.url',
];

/**
 * The sanitized name of a client or server span that looks like an HTTP span, or undefined to
 * keep its name (also when every segment would become `*`: that name would say nothing).
 */
export function sanitizedSpanName(span: Span): string | undefined {
  if (span.kind !== SpanKind.Client && span.kind !== SpanKind.Server) return undefined;
  if (!span.name.includes('/') && !HTTP_ATTRIBUTES.some((k) => span.attributes.has(k))) return undefined;
  const name = clusterUrl(span.name);
  if (name === span.name || name === '' || name === '...' || fullyRedacted(name)) return undefined;
  return name;
}

function fullyRedacted(name: string): boolean {
  let star = false;
  for (const segment of name.split('/')) {
    if (segment === '*') star = true;
    else if (segment !== '') return false;
  }
  return star;
}
