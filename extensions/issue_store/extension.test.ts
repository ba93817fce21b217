/** The extension as Summit runs it: the writes in the store's thread, reads on a connection of its own. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ComponentInstance } from '../../pipeline/component.js';
import { ConsumerError } from '../../pipeline/errors.js';
import { testContext, testHost } from '../../pipeline/testing.js';
import { IssueDatabase, issueStoreExtensionFactory, listIssues, type IssueStoreExtension } from './index.js';
import { sentryOccurrence } from './testing.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function extension(path: string): IssueStoreExtension & ComponentInstance {
  const ctx = testContext({ id: 'issue_store', kind: 'extension' });
  return issueStoreExtensionFactory.create(ctx, { path }, {}) as IssueStoreExtension & ComponentInstance;
}

describe('issue_store extension', () => {
  it('records in its thread what another connection reads at once, concurrent calls in call order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'summit-issue-ext-'));
    dirs.push(dir);
    const path = join(dir, 'issues.sqlite');
    const ext = extension(path);
    await ext.start!(testHost());
    const calls = await Promise.all([
      ext.recordOccurrences([sentryOccurrence(), sentryOccurrence({ hash: 'b'.repeat(32) })]),
      ext.recordOccurrences([sentryOccurrence({ hash: 'b'.repeat(32) })]),
      ext.recordOccurrences([]),
    ]);
    expect(calls.map((v) => v.map((x) => x.new))).toEqual([[true, true], [false], []]);
    expect(listIssues(ext.database!).map((i) => i.events).sort()).toEqual([1, 2]);
    const reader = IssueDatabase.open(path, { create: false });
    expect(listIssues(reader)).toHaveLength(2);
    reader.close();
    await ext.shutdown!();
    expect(ext.database).toBeUndefined();
    const after = await ext.recordOccurrences([sentryOccurrence()]).catch((e: unknown) => e);
    expect(after).toBeInstanceOf(ConsumerError);
    expect((after as ConsumerError).retryable).toBe(true);
  });

  it('answers calls that arrive while the thread records (sent together afterwards) each with its own verdicts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'summit-issue-ext-'));
    dirs.push(dir);
    const ext = extension(join(dir, 'issues.sqlite'));
    await ext.start!(testHost());
    const [c, d] = ['c'.repeat(32), 'd'.repeat(32)];
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
    const first = ext.recordOccurrences([sentryOccurrence({ hash: c })]);
    await nextTurn();
    const later = [ext.recordOccurrences([sentryOccurrence({ hash: c })])];
    await nextTurn();
    later.push(ext.recordOccurrences([sentryOccurrence({ hash: d }), sentryOccurrence({ hash: c })]), ext.recordOccurrences([sentryOccurrence({ hash: d })]));
    expect((await first).map((v) => v.new)).toEqual([true]);
    expect((await Promise.all(later)).map((vs) => vs.map((v) => v.new))).toEqual([[false], [true, false], [false]]);
    expect(listIssues(ext.database!).map((i) => i.events).sort()).toEqual([2, 3]);
    await ext.shutdown!();
  });

  it("keeps each sample event exactly, several to a message, multi-byte text among them (the samples travel as one buffer of UTF-8, reused)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'summit-issue-ext-'));
    dirs.push(dir);
    const ext = extension(join(dir, 'issues.sqlite'));
    await ext.start!(testHost());
    // the second round's samples go in the buffer the first one's came back in
    for (const round of ['', ' (again)']) {
      const texts = ['plain ascii', 'ünïcödé — 日本語 🎉', 'quote " backslash \\ newline \n', ''].map((t) => t + round);
      const occurrences = texts.map((text, i) => sentryOccurrence({ hash: String(i).repeat(32), event: { extra: { text } } }));
      await Promise.all(occurrences.map((o) => ext.recordOccurrences([o])));
      for (const [i, o] of occurrences.entries()) {
        const event = ext.getIssue(o.issueId)!.latestEvent!.event;
        expect((event.extra as { text: string }).text).toBe(texts[i]);
        expect(event.event_id).toBe((o.source as { record: { body: Map<string, unknown> } }).record.body.get('event_id'));
      }
    }
    await ext.shutdown!();
  });

  it('fails to start with the reason when the file is not a database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'summit-issue-ext-'));
    dirs.push(dir);
    const path = join(dir, 'notes.txt');
    writeFileSync(path, 'not a database at all, but long enough to be read as one: '.repeat(20));
    await expect(extension(path).start!(testHost())).rejects.toThrow(`cannot open the issue database ${path}: file is not a database`);
  });
});
