import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { attrs, logsOf, newLogRecord, newSpan, tracesOf } from '../../pipeline/builders.js';
import type { ComponentInstance } from '../../pipeline/component.js';
import { retryableError } from '../../pipeline/errors.js';
import type { IssueOccurrence, IssueStore, IssueVerdict } from '../../pipeline/exceptions/issues.js';
import type { Logs, Signal, SignalData, Traces } from '../../pipeline/model.js';
import { toAnyValue } from '../../pipeline/model-ops.js';
import { testHost } from '../../pipeline/testing.js';
import { fakeCtx, recorder } from '../internal/testing.js';
import { configSchema, DEFAULT_PROJECT_ATTRIBUTES, type GroupingConfig } from './config.js';
import { groupingProcessorFactory, issueId } from './index.js';

const javaTrace = readFileSync(new URL('../../pipeline/exceptions/testdata/java-caused-by.txt', import.meta.url), 'utf8');
const defaults: GroupingConfig = { project_attributes: DEFAULT_PROJECT_ATTRIBUTES, default_project: 'default', fingerprinting_rules: '', stacktrace_rules: '' };

async function processor<S extends Signal>(signal: S, config: Partial<GroupingConfig> = {}, extensions: Record<string, unknown> = {}) {
  const down = recorder<S>();
  const instance = groupingProcessorFactory.create(fakeCtx('grouping', [signal]), { ...defaults, ...config }, { [signal]: down.consumer }) as ComponentInstance;
  await instance.start?.(testHost(extensions));
  return { instance, received: down.received, consume: (data: SignalData[S]) => instance.consumers![signal]!.consume(data as never) };
}

/** A Sentry Java event for the same error as java-caused-by.txt's NullPointerException chain, as the Java SDK sends it. */
const sentryJavaEvent = {
  event_id: 'c0ffee00c0ffee00c0ffee00c0ffee00',
  platform: 'java',
  level: 'error',
  exception: {
    values: [
      {
        type: 'NullPointerException',
        module: 'java.lang',
        value: 'Cannot invoke "java.lang.Integer.intValue()" because "<local2>" is null',
        stacktrace: {
          frames: [
            { module: 'com.example.shop.Traces', function: 'main', filename: 'Traces.java', lineno: 69 },
            { module: 'com.example.shop.Traces', function: 'show', filename: 'Traces.java', lineno: 56 },
            { module: 'com.example.shop.Traces', function: 'lambda$main$0', filename: 'Traces.java', lineno: 69 },
            { module: 'com.example.shop.Traces', function: 'handle', filename: 'Traces.java', lineno: 41 },
            { module: 'com.example.shop.Traces', function: 'checkout', filename: 'Traces.java', lineno: 33 },
            { module: 'com.example.shop.Traces$Inventory', function: 'reserve', filename: 'Traces.java', lineno: 21 },
          ],
        },
      },
      {
        type: 'CheckoutException',
        module: 'com.example.shop',
        value: 'cannot reserve b',
        stacktrace: {
          frames: [
            { module: 'com.example.shop.Traces', function: 'main', filename: 'Traces.java', lineno: 69 },
            { module: 'com.example.shop.Traces', function: 'show', filename: 'Traces.java', lineno: 56 },
            { module: 'com.example.shop.Traces', function: 'lambda$main$0', filename: 'Traces.java', lineno: 69 },
            { module: 'com.example.shop.Traces', function: 'handle', filename: 'Traces.java', lineno: 41 },
            { module: 'com.example.shop.Traces', function: 'checkout', filename: 'Traces.java', lineno: 35 },
          ],
        },
      },
      {
        type: 'IllegalStateException',
        module: 'java.lang',
        value: 'request failed',
        stacktrace: {
          frames: [
            { module: 'com.example.shop.Traces', function: 'main', filename: 'Traces.java', lineno: 69 },
            { module: 'com.example.shop.Traces', function: 'show', filename: 'Traces.java', lineno: 56 },
            { module: 'com.example.shop.Traces', function: 'lambda$main$0', filename: 'Traces.java', lineno: 69 },
            { module: 'com.example.shop.Traces', function: 'handle', filename: 'Traces.java', lineno: 43 },
          ],
        },
      },
    ],
  },
};

const sentryRecord = (event: object, attributes: Record<string, unknown> = {}) =>
  newLogRecord({ eventName: 'sentry.event', body: toAnyValue(event), attributes: attrs(attributes), timeUnixNano: 1_700_000_000_000_000_000n });
const logAttrs = (l: Logs) => l.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords.map((r) => r.attributes)));
const eventAttrs = (t: Traces) => t.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.flatMap((s) => s.events.map((e) => e.attributes))));

describe('grouping processor', () => {
  it('adds issue attributes to a Sentry event record, from its body', async () => {
    const p = await processor('logs');
    const logs = logsOf([sentryRecord(sentryJavaEvent)], { 'sentry.project.id': '42' });
    await p.consume(logs);
    expect(p.received[0]).toBe(logs);
    const a = logAttrs(logs)[0];
    expect(a.get('issue.title')).toBe('IllegalStateException: request failed');
    expect(a.get('issue.culprit')).toBe('com.example.shop.Traces in handle');
    expect(a.get('issue.id')).toBe(issueId('42', a.get('issue.hash') as string));
    expect(a.get('issue.id')).toMatch(/^[0-9a-f]{32}$/);
    expect(a.has('issue.new')).toBe(false);
  });

  it("an OpenTelemetry error and a Sentry event of the same Java failure land in the same issue", async () => {
    const p = await processor('logs');
    const otel = newLogRecord({
      severityText: 'ERROR',
      attributes: attrs({ 'exception.type': 'java.lang.IllegalStateException', 'exception.message': 'request failed', 'exception.stacktrace': javaTrace }),
    });
    const logs = logsOf([otel, sentryRecord(sentryJavaEvent)], { 'service.name': 'shop', 'telemetry.sdk.language': 'java' });
    await p.consume(logs);
    const [fromOtel, fromSentry] = logAttrs(logs);
    expect(fromOtel.get('issue.id')).toBe(fromSentry.get('issue.id'));
    expect(fromOtel.get('issue.title')).toBe('IllegalStateException: request failed');
  });

  it('the same error gets the same id on every instance, a different id in another project', async () => {
    const record = () =>
      newLogRecord({ attributes: attrs({ 'exception.type': 'ValueError', 'exception.message': 'bad input 42', 'exception.stacktrace': 'Traceback (most recent call last):\n  File "/app/x.py", line 1, in <module>\n    f()\nValueError: bad input 42' }) });
    const ids: unknown[] = [];
    for (const project of ['a', 'a', 'b']) {
      const p = await processor('logs');
      const logs = logsOf([record()], { 'service.name': project });
      await p.consume(logs);
      ids.push(logAttrs(logs)[0].get('issue.id'));
    }
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it('the project comes from the configured attributes, the record before its resource, else the default', async () => {
    const p = await processor('logs', { project_attributes: ['tenant', 'service.name'], default_project: 'none' });
    const rec = (a: Record<string, unknown> = {}) => newLogRecord({ attributes: attrs({ 'exception.type': 'E', ...a }) });
    const logs = logsOf([rec({ tenant: 'acme' }), rec()], { 'service.name': 'svc' });
    const bare = logsOf([rec()]);
    await p.consume(logs);
    await p.consume(bare);
    const hash = logAttrs(logs)[0].get('issue.hash') as string;
    expect(logAttrs(logs).map((a) => a.get('issue.id'))).toEqual([issueId('acme', hash), issueId('svc', hash)]);
    expect(logAttrs(bare)[0].get('issue.id')).toBe(issueId('none', hash));
  });

  it('span events named exception are errors; the span name is their transaction (and culprit)', async () => {
    const p = await processor('traces');
    const traces = tracesOf([
      newSpan({
        name: 'GET /orders/{id}',
        events: [
          { timeUnixNano: 5n, name: 'exception', attributes: attrs({ 'exception.type': 'TypeError', 'exception.message': 'x is undefined', 'exception.stacktrace': 'TypeError: x is undefined\n    at load (/app/orders.js:3:9)' }), droppedAttributesCount: 0 },
          { timeUnixNano: 6n, name: 'cache.miss', attributes: attrs({ key: 'k' }), droppedAttributesCount: 0 },
        ],
      }),
    ], { 'telemetry.sdk.language': 'nodejs' });
    await p.consume(traces);
    const [exception, other] = eventAttrs(traces);
    expect(exception.get('issue.title')).toBe('TypeError: x is undefined');
    expect(exception.get('issue.culprit')).toBe('GET /orders/{id}');
    expect(other.has('issue.id')).toBe(false);
  });

  it('leaves records that are not errors alone', async () => {
    const p = await processor('logs');
    const logs = logsOf([newLogRecord({ body: 'hello', attributes: attrs({ 'http.route': '/x' }) }), newLogRecord({ body: toAnyValue({ exception: { values: [{ type: 'E' }] } }) })]);
    await p.consume(logs);
    expect(logAttrs(logs).map((a) => [...a.keys()])).toEqual([['http.route'], []]);
  });
});

class StoreDouble implements IssueStore {
  calls: IssueOccurrence[][] = [];
  seen = new Set<string>();
  resolved = new Set<string>();
  fail?: Error;
  async recordOccurrences(occurrences: IssueOccurrence[]): Promise<IssueVerdict[]> {
    if (this.fail) throw this.fail;
    this.calls.push(occurrences);
    return occurrences.map((o) => {
      const verdict = { new: !this.seen.has(o.issueId), regressed: this.resolved.delete(o.issueId) };
      this.seen.add(o.issueId);
      return verdict;
    });
  }
}

describe('with an issue store', () => {
  const error = (message: string) => newLogRecord({ attributes: attrs({ 'exception.type': 'E', 'exception.message': message }) });

  it('asks the store once per batch and flags new and regressed issues (only when true)', async () => {
    const store = new StoreDouble();
    const p = await processor('logs', { issue_store: 'issue_store' }, { issue_store: store });
    const first = logsOf([error('a 1'), error('a 2'), error('other')], { 'service.name': 'svc', 'service.version': '1.2.0' });
    await p.consume(first);
    expect(store.calls).toHaveLength(1);
    expect(store.calls[0].map((o) => [o.project, o.release, o.title])).toEqual([
      ['svc', '1.2.0', 'E: a 1'],
      ['svc', '1.2.0', 'E: a 2'],
      ['svc', '1.2.0', 'E: other'],
    ]);
    expect(store.calls[0][0].source.kind).toBe('log');
    expect(logAttrs(first).map((a) => [a.get('issue.new'), a.get('issue.regressed')])).toEqual([
      [true, undefined],
      [undefined, undefined],
      [true, undefined],
    ]);
    store.resolved.add(store.calls[0][0].issueId);
    const again = logsOf([error('a 3')], { 'service.name': 'svc' });
    await p.consume(again);
    expect([logAttrs(again)[0].get('issue.new'), logAttrs(again)[0].get('issue.regressed')]).toEqual([undefined, true]);
  });

  it("a store failure fails the batch, nothing goes downstream", async () => {
    const store = new StoreDouble();
    store.fail = retryableError('store busy');
    const p = await processor('logs', { issue_store: 'issue_store' }, { issue_store: store });
    await expect(p.consume(logsOf([error('x')]))).rejects.toBe(store.fail);
    expect(p.received).toHaveLength(0);
  });

  it('start fails when the extension is missing or is no issue store', async () => {
    await expect(processor('logs', { issue_store: 'issue_store' })).rejects.toThrow(/issue_store "issue_store" is not a configured extension/);
    await expect(processor('logs', { issue_store: 'file_storage' }, { file_storage: {} })).rejects.toThrow(/is not an issue store/);
  });
});

describe('config', () => {
  it('reports every bad rule line with its position', () => {
    const problems = groupingProcessorFactory.validate!({
      ...defaults,
      fingerprinting_rules: 'type:A -> a\nnonsense\n',
      stacktrace_rules: 'module:x -app\n\nmodule:y +nothing',
    });
    expect(problems).toEqual([
      { path: 'fingerprinting_rules', message: expect.stringMatching(/expected "->" .*\(line 2, column 9\)$/) },
      { path: 'stacktrace_rules', message: expect.stringMatching(/unknown action "nothing" .*\(line 3, column 10\)$/) },
    ]);
  });

  it('schema: defaults, and no unknown keys', () => {
    expect(configSchema.properties.project_attributes.default).toEqual(['sentry.project.id', 'service.name']);
    expect(configSchema.properties.default_project.default).toBe('default');
    expect(configSchema.additionalProperties).toBe(false);
  });
});
