/** `multipart/form-data` bodies as sentry-cli and the legacy release-file uploads send them. */

export interface FormPart {
  name: string;
  filename?: string;
  data: Buffer;
}

export class FormError extends Error {}

/** The parts of `body`; at most `maxParts` of them. */
export function parseMultipart(contentType: string | undefined, body: Buffer, maxParts: number): FormPart[] {
  const boundary = /^multipart\/form-data\s*;.*?boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(contentType ?? '');
  if (!boundary) throw new FormError('expected a multipart/form-data body with a boundary (Content-Type)');
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const parts: FormPart[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) throw new FormError('the multipart body has no part');
  for (;;) {
    at += delimiter.length;
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return parts; // `--`: the closing delimiter
    if (body[at] === 0x0d && body[at + 1] === 0x0a) at += 2;
    const headerEnd = body.indexOf('\r\n\r\n', at);
    if (headerEnd < 0) throw new FormError(`part ${parts.length + 1}: no end of its headers`);
    const headers = body.subarray(at, headerEnd).toString('latin1');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next < 0) throw new FormError(`part ${parts.length + 1}: not closed by the boundary`);
    const disposition = /^content-disposition:\s*form-data(.*)$/im.exec(headers);
    if (!disposition) throw new FormError(`part ${parts.length + 1}: no Content-Disposition: form-data header`);
    const param = (key: string) => new RegExp(`;\\s*${key}="([^"]*)"`, 'i').exec(disposition[1])?.[1];
    const name = param('name');
    if (name === undefined) throw new FormError(`part ${parts.length + 1}: no name`);
    if (parts.length >= maxParts) throw new FormError(`more than ${maxParts} parts`);
    const filename = param('filename');
    parts.push({ name, ...(filename !== undefined && { filename }), data: body.subarray(headerEnd + 4, next) });
    at = next + 2;
  }
}
