/**
 * The `junit` receiver over HTTP with reports as Surefire, pytest, jest-junit and gotestsum write
 * them, hostile XML (billion laughs, deep nesting, oversize bodies) and the run parameters that
 * put test spans in a CI run's trace.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { StatusCode } from '../../pipeline/model.js';
import { allSpans, startReceiver, type RunningReceiver } from '../internal/testing.js';
import { junitReceiverFactory, type JunitReceiverConfig } from './index.js';

const TOKEN = 'ci-upload-token';
const report = (name: string) => readFileSync(new URL(`testdata/${name}`, import.meta.url), 'utf8');
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

let receiver: RunningReceiver | undefined;
afterEach(async () => {
  await receiver?.stop();
  receiver = undefined;
});

async function start(config: Partial<JunitReceiverConfig> = {}): Promise<RunningReceiver> {
  receiver = await startReceiver(junitReceiverFactory, { endpoint: '127.0.0.1:0', bearer_token: TOKEN, ...config });
  return receiver;
}

function upload(r: RunningReceiver, body: BodyInit, query = '', headers: Record<string, string> = {}) {
  return fetch(`${r.url}/junit${query}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/xml', ...headers }, body });
}

const records = (r: RunningReceiver) => r.logs.flatMap((l) => l.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords)));

describe('junit receiver', () => {
  it('shows each try of a Surefire-retried test: flaky tries before the pass, reruns after the failure', async () => {
    const r = await start();
    const res = await upload(r, report('surefire-reruns.xml'), '?repository=octo-org/shop&commit=abc123&branch=main');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ tests: 3, failures: 1, skipped: 0 });
    const cases = allSpans(r.traces).filter((s) => s.attributes.get('summit.cicd.span.type') === 'test_case');
    const tries = (name: string) => cases.filter((s) => s.name === name).map((s) => [s.attributes.get('test.case.attempt'), s.attributes.get('test.case.result.status')]);
    expect(tries('com.example.CartTest.addsItem')).toEqual([[undefined, 'pass']]);
    expect(tries('com.example.CartTest.appliesDiscount')).toEqual([[1n, 'fail'], [2n, 'pass']]);
    expect(tries('com.example.CartTest.checksOut')).toEqual([[1n, 'fail'], [2n, 'fail']]);

    const failures = records(r);
    expect(failures).toHaveLength(3);
    const flaky = failures.find((l) => l.attributes.get('test.case.name') === 'com.example.CartTest.appliesDiscount')!;
    expect(flaky.attributes.get('exception.message')).toBe('expected: <10> but was: <9>');
    expect(flaky.attributes.get('exception.type')).toBe('org.opentest4j.AssertionFailedError');
    expect(flaky.body).toContain('at com.example.CartTest.appliesDiscount(CartTest.java:42)');
    expect(flaky.body).not.toContain('discount service slow');
    const span = cases.find((s) => s.spanId === flaky.spanId)!;
    expect(span.status).toEqual({ code: StatusCode.Error, message: 'expected: <10> but was: <9>' });
    expect(flaky.traceId).toBe(span.traceId);

    const resource = r.traces[0].resourceSpans[0].resource.attributes;
    expect(resource.get('vcs.repository.name')).toBe('shop');
    expect(resource.get('vcs.ref.head.revision')).toBe('abc123');
  });

  it.each([
    ['pytest.xml', { tests: 3, failures: 1, skipped: 1 }, 'tests.test_math.test_div', 'ZeroDivisionError: division by zero'],
    ['jest-junit.xml', { tests: 2, failures: 1, skipped: 0 }, 'cart totals', 'Error: expect(received).toBe(expected) // Object.is equality'],
    ['gotestsum.xml', { tests: 3, failures: 1, skipped: 0 }, 'example.com/shop/cart.TestTotal', 'Failed'],
  ])('reads %s', async (file, counts, failedName, message) => {
    const r = await start();
    const res = await upload(r, report(file));
    expect(await res.json()).toMatchObject(counts);
    const [failure] = records(r);
    expect(failure.attributes.get('test.case.name')).toBe(failedName);
    expect(failure.attributes.get('exception.message')).toBe(message);
    const suite = allSpans(r.traces).find((s) => s.attributes.get('summit.cicd.span.type') === 'test_suite')!;
    expect(suite.attributes.get('test.suite.run.status')).toBe('failure');
  });

  it('puts the tests under the GitHub job span of the run named by headers, with the github receiver ids', async () => {
    const r = await start();
    const res = await upload(r, report('pytest.xml'), '', { 'x-ci-provider': 'github', 'x-ci-run-id': '2202229078', 'x-ci-run-attempt': '2', 'x-ci-job-id': '289782451' });
    const { trace_id } = (await res.json()) as { trace_id: string };
    expect(trace_id).toBe(sha('22022290782t').slice(0, 32));
    const spans = allSpans(r.traces);
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([trace_id]));
    const suite = spans.find((s) => s.attributes.get('summit.cicd.span.type') === 'test_suite')!;
    expect(suite.parentSpanId).toBe(sha('289782451-j').slice(16, 32));
    expect(spans.filter((s) => s.parentSpanId === suite.spanId)).toHaveLength(3);
    // a pass starts where the test before it ended, within its suite's time
    const suiteStart = BigInt(Date.parse('2024-03-01T12:00:00Z')) * 1_000_000n;
    expect(spans.find((s) => s.name === 'tests.test_math.test_add')!.startTimeUnixNano).toBe(suiteStart);
  });

  it('accepts a gzip-compressed report', async () => {
    const r = await start();
    const res = await upload(r, gzipSync(report('jest-junit.xml')) as unknown as BodyInit, '', { 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
  });

  it('refuses the billion laughs without expanding an entity', async () => {
    const r = await start();
    const lol = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 ${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('\n ')}
]>
<testsuite name="lol"><testcase name="&lol9;"/></testsuite>`;
    const res = await upload(r, lol);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/DOCTYPE is not allowed/);
    expect(r.traces).toEqual([]);
  });

  it('refuses nesting deeper than max_depth and undefined entities', async () => {
    const r = await start({ max_depth: 16 });
    const deep = `<testsuites>${'<testsuite>'.repeat(100_000)}`;
    const res = await upload(r, deep);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/deeper than max_depth 16/);
    const entity = await upload(r, '<testsuite name="x"><testcase name="&xxe;"/></testsuite>');
    expect(entity.status).toBe(400);
    expect(((await entity.json()) as { error: string }).error).toMatch(/not well-formed XML/);
  });

  it('refuses a 100 MB upload with 413, whether announced or streamed without a length', async () => {
    const r = await start();
    const announced = await new Promise<number>((resolve, reject) => {
      const req = request(`${r.url}/junit`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-length': String(100 * 1024 * 1024) } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
        req.destroy();
      });
      req.on('error', reject);
      req.write('<testsuites>');
    });
    expect(announced).toBe(413);

    const chunk = Buffer.alloc(1024 * 1024, '<testsuite name="x"></testsuite>');
    let sent = 0;
    const streamed = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 100) return controller.close();
        sent++;
        controller.enqueue(chunk);
      },
    });
    const res = await fetch(`${r.url}/junit`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: streamed, duplex: 'half' } as RequestInit).catch((err: Error) => err);
    // the answer comes before the upload ends; the client may see it or the reset after it
    if (!(res instanceof Error)) expect(res.status).toBe(413);
    expect(sent).toBeLessThan(100);
    expect(r.traces).toEqual([]);
  });

  it('asks for the bearer token and refuses bad run parameters by name', async () => {
    const r = await start();
    const noToken = await fetch(`${r.url}/junit`, { method: 'POST', body: report('pytest.xml') });
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('www-authenticate')).toBe('Bearer');
    expect((await upload(r, report('pytest.xml'), '', { authorization: 'Bearer wrong' })).status).toBe(401);
    const bad = await upload(r, report('pytest.xml'), '?provider=github&run_id=12x');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'run_id must be a number' });
    const notJunit = await upload(r, '<html><body/></html>');
    expect(((await notJunit.json()) as { error: string }).error).toMatch(/root element is <html>/);
    expect(junitReceiverFactory.validate!({})[0]).toMatchObject({ path: 'bearer_token' });
  });
});
