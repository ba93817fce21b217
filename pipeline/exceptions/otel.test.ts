import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { attrs } from '../builders.js';
import { toAnyValue } from '../model-ops.js';
import { errorEventFromAnyValue } from './body.js';
import type { ExceptionValue } from './model.js';
import { errorEventFromOtel, otelException, otelExceptionFromEvent } from './otel.js';
import { parseStacktrace } from './parse/index.js';
import { renderStacktrace } from './render.js';

const fixture = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');
const strip = (exceptions: ExceptionValue[]) =>
  exceptions.map((e) => ({
    type: e.type,
    module: e.module,
    value: e.value,
    frames: e.stacktrace?.frames.map((f) => [f.module, f.function, f.abs_path, f.lineno, f.context_line]),
  }));

describe('OpenTelemetry exception attributes', () => {
  it('a record is an error when it carries any exception.* attribute; empty strings do not count', () => {
    expect(otelException(attrs({ 'exception.type': 'E', 'http.route': '/x' }))).toEqual({ type: 'E' });
    expect(otelException(attrs({ 'exception.message': 'm', 'exception.stacktrace': 's' }))).toEqual({ message: 'm', stacktrace: 's' });
    expect(otelException(attrs({ 'exception.type': '', 'exception.escaped': true }))).toBeUndefined();
  });

  it('a Node.js error with the entry script (process.command): every frame gets the module @sentry/node gives it', () => {
    const stack = [
      'TypeError: cart 42 is empty',
      '    at totalOf (/srv/shop/src/cart/total.mjs:7:11)',
      '    at checkout (/srv/shop/src/orders.js:3:10)',
      '    at Layer.handle (/srv/shop/node_modules/express/lib/router/layer.js:95:5)',
      '    at main (/srv/shop/app.cjs:12:3)',
      '    at /opt/shared/boot%20strap.js:1:1',
      '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
    ].join('\n');
    const modules = (entry?: string) => errorEventFromOtel({ type: 'TypeError', stacktrace: stack }, 'nodejs', entry).exception!.values[0].stacktrace!.frames.map((f) => f.module);
    // oldest call first, as Sentry orders frames
    expect(modules('/srv/shop/app.cjs')).toEqual(['task_queues', 'boot strap', 'app', 'express.lib.router:layer', 'src:orders', 'src.cart:total']);
    // unknown entry script (or a relative one): only dependencies get a module, as before
    expect(modules(undefined)).toEqual([undefined, undefined, undefined, 'express.lib.router:layer', undefined, undefined]);
    expect(modules('app.cjs')).toEqual(modules(undefined));
  });

  it('a Java error: the qualified type splits as the Java SDK reports it, the chain comes from the text', () => {
    const event = errorEventFromOtel(
      { type: 'java.lang.IllegalStateException', message: 'request failed', stacktrace: fixture('java-caused-by.txt') },
      'java',
    );
    expect(event.platform).toBe('java');
    const values = event.exception!.values;
    expect(values.map((e) => [e.module, e.type])).toEqual([
      ['java.lang', 'NullPointerException'],
      ['com.example.shop', 'CheckoutException'],
      ['java.lang', 'IllegalStateException'],
    ]);
    expect(values[2].value).toBe('request failed');
  });

  it('the SDK language decides the platform; without one the stack format does', () => {
    const v8 = 'Error: x\n    at run (webpack-internal:///./src/run.js:1:2)';
    expect(errorEventFromOtel({ stacktrace: v8 }, 'nodejs').platform).toBe('node');
    expect(errorEventFromOtel({ stacktrace: v8 }).platform).toBe('javascript');
    expect(errorEventFromOtel({ type: 'ValueError', message: 'bad' })).toEqual({ platform: 'other', exception: { values: [{ type: 'ValueError', value: 'bad' }] } });
  });

  it('the attributes name the raised exception even when the text says otherwise', () => {
    const event = errorEventFromOtel({ type: 'AbortError', message: 'timed out', stacktrace: 'Error: x\n    at f (/app/a.js:1:1)' }, 'nodejs');
    expect(event.exception!.values[0]).toMatchObject({ type: 'AbortError', value: 'timed out' });
  });
});

describe('rendering exception.stacktrace text and reading it back', () => {
  for (const [platform, file] of [
    ['python', 'python-during-handling.txt'],
    ['java', 'java-caused-by.txt'],
    ['go', 'go-http-panic.txt'],
  ] as const) {
    it(`${platform}: the rendered text parses to the same exceptions and frames`, () => {
      const parsed = parseStacktrace(fixture(file))!;
      const text = renderStacktrace(parsed.exceptions, platform);
      const again = parseStacktrace(text)!;
      expect(again.platform).toBe(platform);
      expect(strip(again.exceptions)).toEqual(strip(parsed.exceptions));
    });
  }

  it('node: V8 format round trip of the raised exception', () => {
    const err = new Error('round trip');
    const parsed = parseStacktrace(err.stack!)!;
    const again = parseStacktrace(renderStacktrace(parsed.exceptions, 'node'))!;
    expect(strip(again.exceptions)).toEqual(strip(parsed.exceptions));
  });

  it('a Sentry event becomes exception.* attributes with the qualified type OpenTelemetry expects', () => {
    const event = errorEventFromOtel({ stacktrace: fixture('java-lambda.txt') }, 'java');
    const ex = otelExceptionFromEvent(event)!;
    expect(ex.type).toBe('java.lang.NumberFormatException');
    expect(ex.message).toBe('For input string: "x"');
    expect(ex.stacktrace!.split('\n')[0]).toBe('java.lang.NumberFormatException: For input string: "x"');
    expect(otelExceptionFromEvent({ logentry: { formatted: 'just a message' } })).toBeUndefined();
  });
});

describe('a Sentry event stored as a kvlist body', () => {
  it('reads the fields grouping needs, from current and legacy shapes', () => {
    const body = toAnyValue({
      event_id: 'abc',
      platform: 'python',
      exception: [{ type: 'ValueError', value: 3, stacktrace: { frames: [null, { function: 'f', lineno: 4, in_app: true, vars: { n: 1 } }] } }],
      message: 'legacy message',
      fingerprint: ['{{ default }}', 42],
      tags: { route: '/x', n: 5 },
      'sentry.interfaces.Http': { url: 'https://x.example/a' },
      breadcrumbs: { values: [{ message: 'not needed here' }] },
    });
    expect(errorEventFromAnyValue(body)).toEqual({
      event_id: 'abc',
      platform: 'python',
      exception: { values: [{ type: 'ValueError', value: '3', stacktrace: { frames: [{ function: 'f', lineno: 4, in_app: true, vars: { n: 1 } }] } }] },
      logentry: { formatted: 'legacy message' },
      fingerprint: ['{{ default }}', '42'],
      tags: [
        ['route', '/x'],
        ['n', '5'],
      ],
      request: { url: 'https://x.example/a' },
    });
  });

  it('drops fields of the wrong type instead of failing', () => {
    const body = toAnyValue({ platform: 7, exception: { values: 'nope' }, threads: { values: [{ crashed: 'yes', stacktrace: { frames: 'x' } }] }, logentry: {} });
    expect(errorEventFromAnyValue(body)).toEqual({ threads: { values: [{ stacktrace: { frames: [] } }] } });
    expect(errorEventFromAnyValue('a string body')).toBeUndefined();
  });
});
