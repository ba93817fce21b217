/**
 * Parser of what a scrape target answers: the Prometheus text format 0.0.4 and OpenMetrics 1.0
 * (UNIT lines, `# EOF`, timestamps in seconds, exemplars after ` # `). Quoted UTF-8 metric and
 * label names (`{"my.metric", "a.b"="c"}`) are read as Prometheus 3 writes them.
 *
 * Every problem is an {@link ExpositionError} naming the line and what was expected, so a
 * target answering garbage fails its scrape with a message instead of half its samples.
 */

export interface Exemplar {
  labels: [string, string][];
  value: number;
  /** Milliseconds since the epoch, when the exemplar carries one. */
  timestampMs?: number;
}

export interface Sample {
  /** The series as written (name and label set), a cheap identity for caching. */
  series: string;
  name: string;
  /** Labels as written, `__name__` excluded. */
  labels: [string, string][];
  value: number;
  /** Milliseconds since the epoch, when the sample carries one. */
  timestampMs?: number;
  exemplar?: Exemplar;
}

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'summary' | 'info' | 'stateset' | 'unknown';

export interface FamilyMetadata {
  type: MetricType;
  help: string;
  unit: string;
}

export interface Exposition {
  samples: Sample[];
  /** By family name as the TYPE / HELP / UNIT lines wrote it. */
  metadata: Map<string, FamilyMetadata>;
}

export type Format = 'text' | 'openmetrics';

export class ExpositionError extends Error {}

const TYPES = new Set<string>(['counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset', 'unknown']);

/** The format a Content-Type names; anything not OpenMetrics is read as the text format, as Prometheus does. */
export function formatOf(contentType: string | undefined): Format {
  return /^\s*application\/openmetrics-text/i.test(contentType ?? '') ? 'openmetrics' : 'text';
}

export function parseExposition(body: string, format: Format): Exposition {
  return new Parser(body, format).parse();
}

/** Go's strconv.ParseFloat as Prometheus uses it for sample values; undefined when it is no number. */
function parseNumber(text: string): number | undefined {
  switch (text.toLowerCase()) {
    case '+inf':
    case 'inf':
    case '+infinity':
    case 'infinity':
      return Infinity;
    case '-inf':
    case '-infinity':
      return -Infinity;
    case 'nan':
      return NaN;
  }
  if (text === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^0[xX][0-9a-fA-F]+$/.test(text)) return undefined;
  return Number(text);
}

class Parser {
  private pos = 0;
  private line = 1;
  private readonly samples: Sample[] = [];
  private readonly metadata = new Map<string, FamilyMetadata>();
  private sawEof = false;

  constructor(private readonly s: string, private readonly format: Format) {}

  parse(): Exposition {
    const s = this.s;
    while (this.pos < s.length) {
      if (this.sawEof) this.fail('content after "# EOF"');
      const end = s.indexOf('\n', this.pos);
      const lineEnd = end < 0 ? s.length : end;
      if (lineEnd > this.pos) this.parseLine(lineEnd);
      else if (this.format === 'openmetrics') this.fail('empty line');
      this.pos = lineEnd + 1;
      this.line++;
    }
    if (this.format === 'openmetrics' && !this.sawEof) this.fail('missing "# EOF" at the end of the OpenMetrics exposition');
    return { samples: this.samples, metadata: this.metadata };
  }

  private fail(what: string): never {
    throw new ExpositionError(`line ${this.line}: ${what}`);
  }

  private parseLine(end: number) {
    const s = this.s;
    let i = this.pos;
    if (this.format === 'text') while (i < end && (s[i] === ' ' || s[i] === '\t')) i++;
    if (i === end) return;
    if (s[i] === '#') return this.parseComment(i, end);
    this.parseSample(i, end);
  }

  private parseComment(start: number, end: number) {
    const text = this.s.slice(start, end);
    if (this.format === 'openmetrics' && text === '# EOF') {
      this.sawEof = true;
      return;
    }
    const m = /^#[ \t]+(HELP|TYPE|UNIT)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(text);
    if (!m) {
      if (this.format === 'openmetrics') this.fail(`unexpected comment "${text.slice(0, 60)}"`);
      return;
    }
    const [, keyword, rawName, rest = ''] = m;
    const name = rawName.startsWith('"') ? unquote(rawName, () => this.fail('malformed quoted metric name')) : rawName;
    const meta = this.metadata.get(name) ?? { type: 'unknown', help: '', unit: '' };
    if (keyword === 'HELP') meta.help = unescapeHelp(rest);
    else if (keyword === 'UNIT') meta.unit = rest.trim();
    else {
      const type = rest.trim().toLowerCase();
      if (type === 'untyped' && this.format === 'text') meta.type = 'unknown';
      else if (TYPES.has(type)) meta.type = type as MetricType;
      else this.fail(`unknown metric type "${type.slice(0, 40)}" for ${name}`);
    }
    this.metadata.set(name, meta);
  }

  private parseSample(start: number, end: number) {
    const s = this.s;
    let i = start;
    let name = '';
    const labels: [string, string][] = [];
    if (s[i] !== '{') {
      const nameEnd = scanName(s, i, end);
      if (nameEnd === i) this.fail(`expected a metric name, found "${s.slice(i, Math.min(end, i + 40))}"`);
      name = s.slice(i, nameEnd);
      i = nameEnd;
    }
    if (s[i] === '{') {
      const parsed = this.parseLabels(i + 1, end, name === '');
      i = parsed.next;
      labels.push(...parsed.labels);
      if (name === '') {
        if (!parsed.name) this.fail('metric name missing');
        name = parsed.name;
      }
    }
    const series = s.slice(start, i);
    if (s[i] !== ' ' && s[i] !== '\t') this.fail(`expected a space before the value of ${name}`);
    while (s[i] === ' ' || s[i] === '\t') i++;
    const valueEnd = scanToken(s, i, end);
    const value = parseNumber(s.slice(i, valueEnd));
    if (value === undefined) this.fail(`invalid value "${s.slice(i, Math.min(valueEnd, i + 40))}" for ${name}`);
    i = valueEnd;
    while (s[i] === ' ' || s[i] === '\t') i++;
    const sample: Sample = { series, name, labels, value };
    if (i < end && s[i] !== '#') {
      const tsEnd = scanToken(s, i, end);
      sample.timestampMs = this.timestamp(s.slice(i, tsEnd), name);
      i = tsEnd;
      while (s[i] === ' ' || s[i] === '\t') i++;
    }
    if (i < end && s[i] === '#' && this.format === 'openmetrics') {
      sample.exemplar = this.parseExemplar(i + 1, end, name);
      i = end;
    }
    if (i < end && this.format === 'openmetrics') this.fail(`unexpected "${s.slice(i, Math.min(end, i + 40))}" after the sample of ${name}`);
    if (i < end && this.format === 'text' && s.slice(i, end).trim() !== '') this.fail(`unexpected "${s.slice(i, Math.min(end, i + 40))}" after the sample of ${name}`);
    this.samples.push(sample);
  }

  private timestamp(text: string, name: string): number {
    if (this.format === 'openmetrics') {
      const seconds = parseNumber(text);
      if (seconds === undefined || !Number.isFinite(seconds)) this.fail(`invalid timestamp "${text.slice(0, 40)}" for ${name}`);
      return Math.round(seconds * 1000);
    }
    if (!/^-?\d+$/.test(text)) this.fail(`invalid timestamp "${text.slice(0, 40)}" for ${name}: expected integer milliseconds`);
    return Number(text);
  }

  private parseExemplar(start: number, end: number, name: string): Exemplar {
    const s = this.s;
    let i = start;
    while (s[i] === ' ') i++;
    if (s[i] !== '{') this.fail(`expected "{" opening the exemplar of ${name}`);
    const { labels, next } = this.parseLabels(i + 1, end, false);
    i = next;
    while (s[i] === ' ') i++;
    const valueEnd = scanToken(s, i, end);
    const value = parseNumber(s.slice(i, valueEnd));
    if (value === undefined) this.fail(`invalid exemplar value for ${name}`);
    i = valueEnd;
    while (s[i] === ' ') i++;
    const exemplar: Exemplar = { labels, value };
    if (i < end) {
      const tsEnd = scanToken(s, i, end);
      exemplar.timestampMs = this.timestamp(s.slice(i, tsEnd), name);
      if (tsEnd < end) this.fail(`unexpected text after the exemplar of ${name}`);
    }
    return exemplar;
  }

  /** Labels after `{` up to and past `}`; with `allowName`, a bare quoted first item is the metric name. */
  private parseLabels(start: number, end: number, allowName: boolean): { labels: [string, string][]; next: number; name?: string } {
    const s = this.s;
    const labels: [string, string][] = [];
    let name: string | undefined;
    let i = start;
    for (;;) {
      while (s[i] === ' ' || s[i] === '\t') i++;
      if (i >= end) this.fail('unterminated label set');
      if (s[i] === '}') return { labels, next: i + 1, name };
      let labelName: string;
      if (s[i] === '"') {
        const q = this.quoted(i, end);
        labelName = q.text;
        i = q.next;
      } else {
        const nameEnd = scanLabelName(s, i, end);
        if (nameEnd === i) this.fail(`expected a label name, found "${s.slice(i, Math.min(end, i + 40))}"`);
        labelName = s.slice(i, nameEnd);
        i = nameEnd;
      }
      while (s[i] === ' ' || s[i] === '\t') i++;
      if (s[i] !== '=') {
        if (allowName && name === undefined && labels.length === 0 && (s[i] === ',' || s[i] === '}')) {
          name = labelName;
          if (s[i] === ',') i++;
          continue;
        }
        this.fail(`expected "=" after label ${labelName}`);
      }
      i++;
      while (s[i] === ' ' || s[i] === '\t') i++;
      if (s[i] !== '"') this.fail(`expected a quoted value for label ${labelName}`);
      const q = this.quoted(i, end);
      labels.push([labelName, q.text]);
      i = q.next;
      while (s[i] === ' ' || s[i] === '\t') i++;
      if (s[i] === ',') i++;
      else if (s[i] !== '}') this.fail(`expected "," or "}" after label ${labelName}`);
    }
  }

  /** A double-quoted string at `start` with \\ \" \n escapes. */
  private quoted(start: number, end: number): { text: string; next: number } {
    const s = this.s;
    let i = start + 1;
    let plainFrom = i;
    let out = '';
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c === 0x22) return { text: out + s.slice(plainFrom, i), next: i + 1 };
      if (c === 0x5c) {
        out += s.slice(plainFrom, i);
        const e = s[i + 1];
        if (e === 'n') out += '\n';
        else if (e === '\\' || e === '"') out += e;
        else if (this.format === 'openmetrics') this.fail(`invalid escape "\\${e ?? ''}"`);
        else out += `\\${e ?? ''}`;
        i += 2;
        plainFrom = i;
        continue;
      }
      i++;
    }
    this.fail('unterminated quoted string');
  }
}

function isNameStart(c: number) {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a;
}

function scanName(s: string, i: number, end: number): number {
  if (i >= end || !isNameStart(s.charCodeAt(i))) return i;
  i++;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (!(isNameStart(c) || (c >= 0x30 && c <= 0x39))) break;
    i++;
  }
  return i;
}

function scanLabelName(s: string, i: number, end: number): number {
  const c0 = s.charCodeAt(i);
  if (i >= end || c0 === 0x3a || !isNameStart(c0)) return i;
  i++;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || (c >= 0x30 && c <= 0x39))) break;
    i++;
  }
  return i;
}

function scanToken(s: string, i: number, end: number): number {
  while (i < end && s[i] !== ' ' && s[i] !== '\t') i++;
  return i;
}

function unquote(text: string, fail: () => never): string {
  if (text.length < 2 || !text.endsWith('"')) fail();
  return text.slice(1, -1).replace(/\\(.)/g, (_, e: string) => (e === 'n' ? '\n' : e));
}

function unescapeHelp(text: string): string {
  return text.replace(/\\([\\n"])/g, (_, e: string) => (e === 'n' ? '\n' : e));
}
