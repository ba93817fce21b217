/**
 * Parsed suites → a span per suite and per try of each test case (a test retried by Surefire
 * shows each try, with `test.case.attempt`), and a log record per failed try carrying the
 * failure's message and stack text, tied to its span.
 */
import { attrs, newLogRecord, newResource, newScope, newSpan } from '../../pipeline/builders.js';
import * as ci from '../../pipeline/cicd/index.js';
import { SpanKind, StatusCode, type LogRecord, type Logs, type Span, type Traces } from '../../pipeline/model.js';
import type { TestCase, TestSuite } from './parse.js';
import type { Placement, RunContext } from './run-context.js';

const SCOPE = newScope('summit/receiver/junit');
const SEVERITY_ERROR = 17;
const NS_PER_S = 1e9;

/** What one upload comes to. */
export interface UploadTelemetry {
  traces: Traces;
  logs: Logs;
  tests: number;
  failures: number;
  skipped: number;
}

/** The report's name for a test: `classname.name`, or the name alone when the class is empty or already in it. */
export function testCaseName(c: TestCase): string {
  if (!c.classname || c.name.startsWith(`${c.classname}`)) return c.name;
  return `${c.classname}.${c.name}`;
}

export function uploadTelemetry(suites: TestSuite[], run: RunContext, placement: Placement, uploadKey: string, nowNanos: bigint): UploadTelemetry {
  const repository = run.repository.split('/').pop() ?? '';
  const resourceAttributes: Record<string, string> = {
    [ci.SERVICE_NAME]: run.service || repository || 'unknown_service',
    [ci.VCS_REPOSITORY_NAME]: repository,
    [ci.VCS_REF_HEAD_REVISION]: run.commit,
    [ci.VCS_REF_HEAD_NAME]: run.branch,
    [ci.VCS_PROVIDER_NAME]: run.provider,
    [ci.CICD_PIPELINE_RUN_ID]: run.runId,
    [ci.CICD_PIPELINE_RUN_ATTEMPT]: run.runId ? run.runAttempt : '',
    [ci.CICD_PIPELINE_TASK_RUN_ID]: run.jobId,
  };
  const resource = newResource(Object.fromEntries(Object.entries(resourceAttributes).filter(([, v]) => v !== '')));
  const spans: Span[] = [];
  const records: LogRecord[] = [];
  let tests = 0;
  let failures = 0;
  let skipped = 0;

  suites.forEach((suite, si) => {
    const caseSeconds = suite.cases.reduce((sum, c) => sum + c.time, 0);
    const suiteSeconds = suite.time ?? caseSeconds;
    const suiteStart = timestampNanos(suite.timestamp) ?? nowNanos - BigInt(Math.round(suiteSeconds * NS_PER_S));
    const suiteSpanId = ci.derivedSpanId(uploadKey, si);
    let failedInSuite = false;
    let cursor = suiteStart;
    suite.cases.forEach((c, caseIndex) => {
      tests++;
      const name = testCaseName(c);
      const tryNanos = BigInt(Math.round((c.time / c.attempts.length) * NS_PER_S));
      c.attempts.forEach((a, ai) => {
        const start = cursor;
        const end = (cursor += tryNanos);
        const spanId = ci.derivedSpanId(uploadKey, si, caseIndex, ai);
        const span = newSpan({
          traceId: placement.traceId,
          spanId,
          parentSpanId: suiteSpanId,
          name,
          kind: SpanKind.Internal,
          startTimeUnixNano: start,
          endTimeUnixNano: end,
          attributes: attrs({
            [ci.CICD_SPAN_TYPE]: 'test_case',
            [ci.TEST_CASE_NAME]: name,
            [ci.TEST_SUITE_NAME]: suite.name,
            [ci.TEST_CASE_RESULT_STATUS]: a.outcome,
            ...(c.attempts.length > 1 ? { [ci.TEST_CASE_ATTEMPT]: ai + 1 } : {}),
            ...(c.file ? { 'code.file.path': c.file } : {}),
          }),
          status: a.outcome === 'fail' ? { code: StatusCode.Error, message: a.message } : a.outcome === 'pass' ? { code: StatusCode.Ok, message: '' } : { code: StatusCode.Unset, message: '' },
        });
        spans.push(span);
        if (a.outcome !== 'fail') return;
        records.push(
          newLogRecord({
            timeUnixNano: end,
            observedTimeUnixNano: nowNanos,
            severityNumber: SEVERITY_ERROR,
            severityText: 'ERROR',
            eventName: 'test.case.failure',
            body: a.text || a.message,
            traceId: placement.traceId,
            spanId,
            attributes: attrs({
              [ci.TEST_CASE_NAME]: name,
              [ci.TEST_SUITE_NAME]: suite.name,
              [ci.TEST_CASE_RESULT_STATUS]: 'fail',
              ...(c.attempts.length > 1 ? { [ci.TEST_CASE_ATTEMPT]: ai + 1 } : {}),
              'exception.type': a.type || a.kind || 'failure',
              'exception.message': a.message,
              ...(a.text ? { 'exception.stacktrace': a.text } : {}),
            }),
          }),
        );
      });
      const result = c.attempts[c.attempts.length - 1].outcome;
      if (result === 'fail') {
        failures++;
        failedInSuite = true;
      } else if (result === 'skipped') skipped++;
    });
    spans.push(
      newSpan({
        traceId: placement.traceId,
        spanId: suiteSpanId,
        parentSpanId: placement.parentSpanId,
        name: suite.name || 'tests',
        kind: SpanKind.Internal,
        startTimeUnixNano: suiteStart,
        endTimeUnixNano: suiteStart + BigInt(Math.round(Math.max(suiteSeconds, caseSeconds) * NS_PER_S)),
        attributes: attrs({ [ci.CICD_SPAN_TYPE]: 'test_suite', [ci.TEST_SUITE_NAME]: suite.name, [ci.TEST_SUITE_RUN_STATUS]: failedInSuite ? 'failure' : 'success' }),
        status: failedInSuite ? { code: StatusCode.Error, message: 'failure' } : { code: StatusCode.Ok, message: '' },
      }),
    );
  });
  return {
    traces: { resourceSpans: [{ resource, schemaUrl: '', scopeSpans: [{ scope: SCOPE, schemaUrl: '', spans }] }] },
    logs: { resourceLogs: records.length ? [{ resource, schemaUrl: '', scopeLogs: [{ scope: SCOPE, schemaUrl: '', logRecords: records }] }] : [] },
    tests,
    failures,
    skipped,
  };
}

/** A suite's timestamp; JUnit writers often leave out the zone, which then is taken as UTC. */
function timestampNanos(text: string): bigint | undefined {
  if (!text) return undefined;
  const zoned = /(Z|[+-]\d\d:?\d\d)$/.test(text) ? text : `${text}Z`;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? undefined : BigInt(ms) * 1_000_000n;
}
