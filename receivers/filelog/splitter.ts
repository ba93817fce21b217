/**
 * Cuts a file's bytes into log records (upstream's split funcs): one per line, or with
 * `multiline` one per group of lines, each with the exact byte range it came from so the
 * offset after it can be committed.
 */

export interface Token {
  text: string;
  start: number;
  end: number;
}

export interface MultilineConfig {
  line_start_pattern?: string;
  line_end_pattern?: string;
}

/** Node's decoder name and newline bytes per upstream encoding name. */
function codec(encoding: string): { decode: (b: Buffer) => string; newline: Buffer; unit: number } {
  switch (encoding.toLowerCase()) {
    case 'utf-16le':
      return { decode: (b) => b.toString('utf16le'), newline: Buffer.from([0x0a, 0x00]), unit: 2 };
    case 'utf-16be': {
      const d = new TextDecoder('utf-16be');
      return { decode: (b) => d.decode(b), newline: Buffer.from([0x00, 0x0a]), unit: 2 };
    }
    case 'ascii':
    case 'us-ascii':
    case 'latin1':
    case 'iso-8859-1':
      return { decode: (b) => b.toString('latin1'), newline: Buffer.from([0x0a]), unit: 1 };
    default:
      // Buffer's UTF-8 decoding replaces invalid bytes by U+FFFD, as upstream does, and is faster than TextDecoder on short lines
      return { decode: (b) => b.toString('utf8'), newline: Buffer.from([0x0a]), unit: 1 };
  }
}

const REPLACEMENT = Buffer.from('\uFFFD');

/** Upstream trims surrounding whitespace of every record by default (and a CR before LF). */
function trimmed(t: Token): Token {
  t.text = t.text.trim();
  return t;
}

interface Line {
  text: string;
  start: number;
  end: number;
}

export class Splitter {
  private readonly decodeBytes: (b: Buffer) => string;
  private readonly newline: Buffer;
  private readonly unit: number;
  private readonly start?: RegExp;
  private readonly endRe?: RegExp;
  /** Lines that do not end in a valid encoding (replacement characters were put in), for one warning per file. */
  invalidLines = 0;

  constructor(
    encoding: string,
    private readonly maxLogSize: number,
    multiline?: MultilineConfig,
  ) {
    const c = codec(encoding);
    this.decodeBytes = c.decode;
    this.newline = c.newline;
    this.unit = c.unit;
    if (multiline?.line_start_pattern) this.start = new RegExp(multiline.line_start_pattern);
    if (multiline?.line_end_pattern) this.endRe = new RegExp(multiline.line_end_pattern);
  }

  private decode(bytes: Buffer): string {
    const text = this.decodeBytes(bytes);
    if (this.unit === 1 && text.includes('\uFFFD') && !bytes.includes(REPLACEMENT)) this.invalidLines++;
    return text;
  }

  private nextNewline(buf: Buffer, from: number): number {
    let i = buf.indexOf(this.newline, from);
    while (this.unit === 2 && i >= 0 && i % 2 !== 0) i = buf.indexOf(this.newline, i + 1);
    return i;
  }

  /**
   * Records in `buf` (the file's bytes from `base`). `flush`: the file has not grown for
   * `force_flush_period`, so a last line without newline (or a last unfinished multiline group)
   * is a record too. Returns the records and how many bytes of `buf` they used up.
   */
  split(buf: Buffer, base: number, flush: boolean): { tokens: Token[]; consumed: number } {
    const lines: Line[] = [];
    let pos = 0;
    for (;;) {
      const nl = this.nextNewline(buf, pos);
      if (nl < 0) {
        const rest = buf.length - pos;
        if (rest >= this.maxLogSize) {
          // a line longer than max_log_size is cut into pieces of that size, as upstream does
          const cut = this.maxLogSize - (this.maxLogSize % this.unit);
          lines.push({ text: this.decode(buf.subarray(pos, pos + cut)), start: base + pos, end: base + pos + cut });
          pos += cut;
          continue;
        }
        if (flush && rest > 0 && !this.start && !this.endRe) {
          lines.push({ text: this.decode(buf.subarray(pos)), start: base + pos, end: base + buf.length });
          pos = buf.length;
        }
        break;
      }
      const lineEnd = nl + this.newline.length;
      if (nl - pos > this.maxLogSize) {
        lines.push({ text: this.decode(buf.subarray(pos, pos + this.maxLogSize)), start: base + pos, end: base + pos + this.maxLogSize });
        pos += this.maxLogSize;
        continue;
      }
      lines.push({ text: this.decode(buf.subarray(pos, nl)), start: base + pos, end: base + lineEnd });
      pos = lineEnd;
    }
    if (!this.start && !this.endRe) return { tokens: lines.map(trimmed).filter((t) => t.text !== ''), consumed: pos };
    return this.group(lines, buf, base, pos, flush);
  }

  /** Multiline: lines grouped by line_start_pattern / line_end_pattern; an open group waits for more data unless flushing. */
  private group(lines: Line[], buf: Buffer, base: number, pos: number, flush: boolean): { tokens: Token[]; consumed: number } {
    const tokens: Token[] = [];
    let group: Line[] = [];
    let size = 0;
    const close = () => {
      if (group.length === 0) return;
      const t = trimmed({ text: group.map((l) => l.text).join('\n'), start: group[0].start, end: group[group.length - 1].end });
      if (t.text !== '') tokens.push(t);
      group = [];
      size = 0;
    };
    for (const l of lines) {
      if (this.start && this.start.test(l.text)) close();
      group.push(l);
      size += l.end - l.start;
      if ((this.endRe && this.endRe.test(l.text)) || size >= this.maxLogSize) close();
    }
    // a last line without newline belongs to the open group when flushing
    if (flush && pos < buf.length) {
      group.push({ text: this.decode(buf.subarray(pos)), start: base + pos, end: base + buf.length });
      pos = buf.length;
    }
    if (flush) close();
    const consumed = group.length > 0 ? group[0].start - base : pos;
    return { tokens, consumed };
  }
}
