/**
 * JUnit XML → suites and test cases, streaming (SAX), for the dialects CI tools write: Ant /
 * Jenkins (`testsuites` › `testsuite` › `testcase`, nested suites too), Maven Surefire with its
 * reruns (`flakyFailure`/`flakyError`: failed tries of a test that then passed;
 * `rerunFailure`/`rerunError`: further failed tries of a failed test), pytest, jest-junit and
 * gotestsum. Safe on hostile input: a DOCTYPE is refused (no entity can be declared, so none
 * can expand), nesting deeper than `maxDepth` and more than `maxTestCases` cases are refused,
 * and failure text is kept to a bounded length.
 */
import { SaxesParser, type SaxesTagPlain } from 'saxes';

export type Outcome = 'pass' | 'fail' | 'skipped';

/** One try of a test case. */
export interface Attempt {
  outcome: Outcome;
  /** `failure` (an assertion) or `error` (anything else), for failed tries. */
  kind?: 'failure' | 'error';
  message: string;
  type: string;
  /** The report's text for the failure: usually the stack trace. */
  text: string;
}

export interface TestCase {
  classname: string;
  name: string;
  file: string;
  /** Seconds, as the report says (0 when it does not). */
  time: number;
  /** In the order they ran; the last is the test's result. */
  attempts: Attempt[];
}

export interface TestSuite {
  name: string;
  /** As written (`2023-06-01T10:00:00`, often without a zone), or ''. */
  timestamp: string;
  /** Seconds, or undefined when the report does not say. */
  time: number | undefined;
  cases: TestCase[];
}

export interface JunitLimits {
  maxDepth: number;
  maxTestCases: number;
}

/** A report Summit cannot take; the message says where and why. */
export class JunitError extends Error {}

/** Failure text kept per try: a stack trace, not a whole log. */
const MAX_TEXT = 64 * 1024;

const FAILED_TRY = new Set(['failure', 'error', 'flakyFailure', 'flakyError', 'rerunFailure', 'rerunError']);

interface OpenCase extends TestCase {
  main?: Attempt;
  flaky: Attempt[];
  reruns: Attempt[];
}

export function parseJunit(xml: string, limits: JunitLimits): TestSuite[] {
  const parser = new SaxesParser<{ xmlns: false; position: true }>({ xmlns: false, position: true });
  const suites: TestSuite[] = [];
  const suiteStack: TestSuite[] = [];
  let depth = 0;
  let cases = 0;
  let rootSeen = false;
  let current: OpenCase | undefined;
  /** The try whose text is being read, and whether text goes to it now. */
  let attempt: Attempt | undefined;
  let capturing = false;
  let capturedLength = 0;

  const fail = (message: string): never => {
    throw new JunitError(`${message} (line ${parser.line}, column ${parser.column})`);
  };

  parser.on('doctype', () => fail('a DOCTYPE is not allowed in a JUnit report (its entity declarations could expand without bound)'));
  parser.on('opentag', (tag: SaxesTagPlain) => {
    if (++depth > limits.maxDepth) fail(`elements nest deeper than max_depth ${limits.maxDepth}`);
    const name = tag.name;
    const a = tag.attributes as Record<string, string>;
    if (!rootSeen) {
      rootSeen = true;
      if (name !== 'testsuites' && name !== 'testsuite') fail(`not a JUnit report: the root element is <${name}>, expected <testsuites> or <testsuite>`);
    }
    if (name === 'testsuite') {
      const time = a.time === undefined ? undefined : seconds(a.time);
      const suite: TestSuite = { name: a.name ?? suiteStack.at(-1)?.name ?? '', timestamp: a.timestamp ?? '', time, cases: [] };
      suiteStack.push(suite);
      suites.push(suite);
    } else if (name === 'testcase') {
      if (current) fail('<testcase> inside another <testcase>');
      if (++cases > limits.maxTestCases) fail(`more than max_test_cases ${limits.maxTestCases} test cases`);
      current = { classname: a.classname ?? '', name: a.name ?? '', file: a.file ?? '', time: seconds(a.time), attempts: [], flaky: [], reruns: [] };
    } else if (current && depth >= 2) {
      if (FAILED_TRY.has(name)) {
        attempt = { outcome: 'fail', kind: name.toLowerCase().endsWith('error') ? 'error' : 'failure', message: a.message ?? '', type: a.type ?? '', text: '' };
        if (name.startsWith('flaky')) current.flaky.push(attempt);
        else if (name.startsWith('rerun')) current.reruns.push(attempt);
        else current.main = attempt;
        capturing = true;
        capturedLength = 0;
      } else if (name === 'skipped') {
        current.main = { outcome: 'skipped', message: a.message ?? '', type: '', text: '' };
      } else if (name === 'stackTrace' && attempt) {
        // Surefire puts a retry's stack in a child element
        capturing = true;
        capturedLength = 0;
        attempt.text = '';
      } else {
        capturing = false; // system-out, system-err, properties: not kept
      }
    }
  });
  const onText = (text: string) => {
    if (!capturing || !attempt || capturedLength >= MAX_TEXT) return;
    const piece = text.slice(0, MAX_TEXT - capturedLength);
    attempt.text += piece;
    capturedLength += piece.length;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', (tag: SaxesTagPlain) => {
    depth--;
    const name = tag.name;
    if (name === 'testcase' && current) {
      const suite = suiteStack.at(-1) ?? orphanSuite(suites, suiteStack);
      suite.cases.push(finish(current));
      current = undefined;
      attempt = undefined;
      capturing = false;
    } else if (name === 'testsuite') {
      suiteStack.pop();
    } else if (FAILED_TRY.has(name) || name === 'stackTrace') {
      capturing = false;
    }
  });
  parser.on('error', (err) => {
    throw new JunitError(`not well-formed XML: ${err.message.replace(/^undefined:/, '').trim()}`);
  });
  parser.write(xml).close();
  if (!rootSeen) throw new JunitError('not a JUnit report: the body holds no XML element');
  return suites.filter((s) => s.cases.length > 0);
}

/** The tries in the order they ran, the test's result last. */
function finish(c: OpenCase): TestCase {
  const { main, flaky, reruns, ...testCase } = c;
  for (const a of [main, ...flaky, ...reruns]) if (a) a.text = a.text.trim();
  let attempts: Attempt[];
  if (flaky.length) attempts = [...flaky, { outcome: 'pass', message: '', type: '', text: '' }];
  else if (main) attempts = [main, ...reruns];
  else attempts = [{ outcome: 'pass', message: '', type: '', text: '' }];
  for (const a of attempts) if (a.outcome === 'fail' && !a.message) a.message = a.text.split('\n', 1)[0].slice(0, 500);
  return { ...testCase, attempts };
}

/** Test cases directly under <testsuites> (some tools write them) go to an unnamed suite. */
function orphanSuite(suites: TestSuite[], stack: TestSuite[]): TestSuite {
  const suite: TestSuite = { name: '', timestamp: '', time: undefined, cases: [] };
  suites.push(suite);
  stack.push(suite);
  return suite;
}

function seconds(text: string | undefined): number {
  // some tools write "1,234.5" or leave it empty
  const n = Number(String(text ?? '').replaceAll(',', ''));
  return Number.isFinite(n) && n > 0 ? n : 0;
}
