/**
 * Sentry's issue search syntax, the subset Summit answers: `is:unresolved|resolved|ignored`,
 * `release:`, `environment:`, `level:`, any other `key:value` as a tag, quoted values, and free
 * text matched against title and culprit.
 */
import type { exceptions } from 'summit';

export type IssueSearch = Pick<exceptions.ListOptions, 'status' | 'text' | 'level' | 'tags'>;

const IS: Record<string, exceptions.IssueStatus> = {
  unresolved: 'unresolved',
  resolved: 'resolved',
  ignored: 'ignored',
  muted: 'ignored',
  archived: 'ignored',
};

export class SearchError extends Error {}

export function parseIssueSearch(query: string): IssueSearch {
  const out: IssueSearch = { tags: [] };
  const words: string[] = [];
  for (const m of query.matchAll(/(?:([\w.\-]+):)?(?:"((?:[^"\\]|\\.)*)"|(\S+))/g)) {
    const [, key, quoted, bare] = m;
    const value = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : bare!;
    if (key === undefined) {
      words.push(value);
    } else if (key === 'is') {
      const status = IS[value];
      if (!status) throw new SearchError(`is:${value} — Summit knows is:unresolved, is:resolved and is:ignored`);
      out.status = status;
    } else if (key === 'level') {
      out.level = value;
    } else {
      out.tags!.push({ key, value });
    }
  }
  if (words.length) out.text = words.join(' ');
  return out;
}
