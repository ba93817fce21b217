/**
 * TCP syslog framing (RFC 6587): octet counting (`LEN SP MSG`) or a trailer byte (LF or NUL)
 * after each message. Works on bytes, so lengths count octets, and never buffers more than one
 * message's limit.
 */

export type FramingMode = 'octet' | 'LF' | 'NUL';

export class Framer {
  private buf: Buffer = Buffer.alloc(0);
  /** Bytes of an oversized octet-counted frame still to be thrown away. */
  private skip = 0;

  constructor(
    private readonly mode: FramingMode,
    /** Largest message accepted (max_octets for octet counting, max_log_size otherwise). */
    private readonly max: number,
  ) {}

  /** Whole messages in the bytes received so far, and problems to report. */
  push(chunk: Buffer): { messages: Buffer[]; problems: string[] } {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    return this.mode === 'octet' ? this.octets() : this.trailer(this.mode === 'LF' ? 0x0a : 0x00);
  }

  /** What is left when the connection closes: an unterminated last message counts (newline framing). */
  end(): Buffer[] {
    const rest = this.buf;
    this.buf = Buffer.alloc(0);
    return this.mode !== 'octet' && rest.length > 0 ? [rest] : [];
  }

  private octets(): { messages: Buffer[]; problems: string[] } {
    const messages: Buffer[] = [];
    const problems: string[] = [];
    for (;;) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, this.buf.length);
        this.skip -= n;
        this.buf = this.buf.subarray(n);
        if (this.skip > 0) break;
      }
      const sp = this.buf.indexOf(0x20);
      if (sp < 0) {
        if (this.buf.length > 10) problems.push(`expected an octet count, got "${this.buf.subarray(0, 20).toString('latin1')}"`), (this.buf = Buffer.alloc(0));
        break;
      }
      const lenText = this.buf.subarray(0, sp).toString('latin1');
      if (!/^[1-9]\d{0,9}$/.test(lenText)) {
        problems.push(`expected an octet count before a message, got "${lenText.slice(0, 20)}"; the rest of this connection's data is dropped`);
        this.buf = Buffer.alloc(0);
        this.skip = Infinity;
        break;
      }
      const len = Number(lenText);
      if (len > this.max) {
        problems.push(`message of ${len} octets is longer than max_octets (${this.max}); skipped`);
        this.buf = this.buf.subarray(sp + 1);
        this.skip = len;
        continue;
      }
      if (this.buf.length < sp + 1 + len) break;
      messages.push(this.buf.subarray(sp + 1, sp + 1 + len));
      this.buf = this.buf.subarray(sp + 1 + len);
    }
    return { messages, problems };
  }

  private trailer(byte: number): { messages: Buffer[]; problems: string[] } {
    const messages: Buffer[] = [];
    const problems: string[] = [];
    let pos = 0;
    for (;;) {
      const end = this.buf.indexOf(byte, pos);
      if (end < 0) break;
      if (end > pos) messages.push(this.buf.subarray(pos, end));
      pos = end + 1;
    }
    this.buf = this.buf.subarray(pos);
    if (this.buf.length > this.max) {
      problems.push(`message longer than max_log_size (${this.max} bytes) without a trailer; cut`);
      messages.push(this.buf.subarray(0, this.max));
      this.buf = this.buf.subarray(this.max);
    }
    return { messages, problems };
  }
}
