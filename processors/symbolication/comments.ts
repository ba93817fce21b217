/** What a minified file says about itself in its last lines: its map; and inline maps. */

const SOURCE_MAPPING_URL = /\/\/[#@] ?sourceMappingURL=([^\s'"]+)\s*$/;

/** The last `//# sourceMappingURL=` of a file's text (only its last lines are looked at). */
export function sourceMappingUrl(text: string): string | undefined {
  return lastComment(text, SOURCE_MAPPING_URL);
}

function lastComment(text: string, re: RegExp): string | undefined {
  const tail = text.slice(-4096).split(/\r?\n/);
  for (let i = tail.length - 1; i >= 0; i--) {
    const m = re.exec(tail[i]);
    if (m) return m[1];
  }
  return undefined;
}

/** The JSON of a `data:application/json[;base64],...` source map URL. */
export function decodeDataUrl(url: string): string | undefined {
  const m = /^data:application\/json[^,]*?(;base64)?,(.*)$/s.exec(url);
  if (!m) return undefined;
  return m[1] ? Buffer.from(m[2], 'base64').toString('utf8') : decodeURIComponent(m[2]);
}

