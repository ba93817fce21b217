import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import type { ExceptionValue, Frame } from './model.js';
import { parseStacktrace } from './parse/index.js';

const fixture = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');
const THIS_FILE = fileURLToPath(import.meta.url);
const frames = (e: ExceptionValue | undefined): Frame[] => e?.stacktrace?.frames ?? [];
const last = <T>(xs: T[]): T => xs[xs.length - 1];

/** Kept in named functions so the stack has known names, in a known order. */
function innermost(): never {
  throw new TypeError('boom');
}
function middle(): never {
  return innermost();
}
class Widget {
  constructor() {
    middle();
  }
}
async function awaited(): Promise<never> {
  await Promise.resolve();
  throw new RangeError('late');
}
async function awaiting(): Promise<never> {
  return await awaited();
}

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('did not throw');
}

describe('V8 stacks thrown by this very Node.js process', () => {
  it('frames run oldest first, the throwing function last, with this file, line and column', () => {
    const err = caught(() => new Widget());
    const parsed = parseStacktrace(err.stack!)!;
    expect(parsed.platform).toBe('node');
    const [exception] = parsed.exceptions;
    expect(exception).toMatchObject({ type: 'TypeError', value: 'boom' });
    const fs = frames(exception);
    expect(fs.slice(-3).map((f) => f.function)).toEqual(['new Widget', 'middle', 'innermost']);
    const top = last(fs);
    expect(top).toMatchObject({ filename: THIS_FILE, abs_path: THIS_FILE, in_app: true });
    // V8 records where the error was constructed: the `new TypeError` in innermost().
    const source = readFileSync(THIS_FILE, 'utf8').split('\n');
    expect(source[top.lineno! - 1]).toContain("throw new TypeError('boom')");
    expect(source[top.lineno! - 1].indexOf('new TypeError') + 1).toBe(top.colno);
  });

  it('async frames keep their function names without the `async` marker', async () => {
    const err = await awaiting().catch((e: Error) => e);
    const fs = frames(parseStacktrace(err.stack!)!.exceptions[0]);
    // Between them V8 shows the microtask queue that resumed `awaited` (Node's own code).
    expect(fs.filter((f) => f.in_app).map((f) => f.function).slice(-2)).toEqual(['awaiting', 'awaited']);
    expect(fs.find((f) => !f.in_app)?.function).toBe('process.processTicksAndRejections');
  });

  it("Node's own code is not in the app; a dependency gets the SDK's module name and is not in the app", () => {
    const fsError = caught(() => readFileSync('/nonexistent/summit-test'));
    const internal = frames(parseStacktrace(fsError.stack!)!.exceptions[0]).filter((f) => f.filename?.startsWith('node:'));
    expect(internal.length).toBeGreaterThan(0);
    expect(internal.every((f) => f.in_app === false)).toBe(true);

    const yamlError = caught(() => YAML.parse('a: [1, 2'));
    const parsed = parseStacktrace(yamlError.stack!)!.exceptions[0];
    // The message spans several lines; all of it is the value.
    expect(parsed.type).toBe('YAMLParseError');
    expect(parsed.value).toBe(yamlError.message.trimEnd());
    const dependency = frames(parsed).filter((f) => f.filename?.includes('/node_modules/yaml/'));
    expect(dependency.length).toBeGreaterThan(0);
    expect(dependency.every((f) => f.in_app === false && /^yaml\.dist(\.[\w]+)*:[\w-]+$/.test(f.module!))).toBe(true);
    expect(dependency.some((f) => f.module === 'yaml.dist.compose:composer')).toBe(true);
  });

  it('names methods as the Node SDK does: anonymous ones as Type.?, Module wrappers trimmed', () => {
    const text = [
      'Error: x',
      '    at Object.<anonymous> (/app/index.js:3:9)',
      '    at Object.Module._extensions..js (node:internal/modules/cjs/loader:1414:10)',
      '    at Router.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)',
      '    at eval (eval at compile (/app/lib/template.js:10:12), <anonymous>:1:7)',
      '    at async Promise.all (index 0)',
      '    at /app/lib/(group)/page.js:4:1',
    ].join('\n');
    const fs = frames(parseStacktrace(text)!.exceptions[0]).reverse();
    expect(fs[0]).toMatchObject({ function: 'Object.?', filename: '/app/index.js', lineno: 3, colno: 9, in_app: true });
    expect(fs[1]).toMatchObject({ function: 'Module._extensions..js', in_app: false });
    expect(fs[2]).toMatchObject({ function: 'Router.handle [as handle_request]', module: 'express.lib.router:layer', in_app: false });
    expect(fs[3]).toMatchObject({ function: 'eval', filename: '/app/lib/template.js', lineno: 10, colno: 12 });
    expect(fs[4]).toEqual({ function: 'Promise.all', in_app: false });
    expect(fs[5]).toEqual({ filename: '/app/lib/(group)/page.js', abs_path: '/app/lib/(group)/page.js', lineno: 4, colno: 1, in_app: true });
  });
});

describe('browser stacks', () => {
  it('Chromium: URLs make it a browser stack; abs_path keeps the URL, filename is its path', () => {
    const text = [
      'TypeError: Cannot read properties of undefined (reading \'id\')',
      '    at UserCard.render (https://shop.example.com/static/js/main.3f2a1c.js:2:10457)',
      '    at https://shop.example.com/static/js/main.3f2a1c.js:2:4410',
      '    at Array.map (<anonymous>)',
      '    at eval (eval at run (https://shop.example.com/app.js?v=3:12:5), <anonymous>:1:1)',
    ].join('\n');
    const parsed = parseStacktrace(text)!;
    expect(parsed.platform).toBe('javascript');
    const fs = frames(parsed.exceptions[0]).reverse();
    expect(fs[0]).toEqual({
      function: 'UserCard.render',
      abs_path: 'https://shop.example.com/static/js/main.3f2a1c.js',
      filename: '/static/js/main.3f2a1c.js',
      lineno: 2,
      colno: 10457,
      in_app: true,
    });
    expect(fs[1].function).toBeUndefined();
    expect(fs[2]).toMatchObject({ function: 'Array.map', filename: '<anonymous>', abs_path: '<anonymous>' });
    expect(fs[3]).toMatchObject({ function: 'eval', abs_path: 'https://shop.example.com/app.js?v=3', filename: '/app.js', lineno: 12, colno: 5 });
  });

  it('Firefox: fn@url:line:col, anonymous @url frames, eval locations, old argument lists', () => {
    const text = [
      'handleClick@https://shop.example.com/js/app.js:41:13',
      'dispatch/<@https://shop.example.com/js/vendor.js:1:1',
      '@https://shop.example.com/js/app.js line 26 > eval:2:96',
      'bar(1)@https://shop.example.com/js/app.js:13',
      '@https://shop.example.com/js/app.js:33:9',
      '',
    ].join('\n');
    const parsed = parseStacktrace(text)!;
    expect(parsed.platform).toBe('javascript');
    expect(parsed.exceptions[0].type).toBeUndefined();
    const fs = frames(parsed.exceptions[0]).reverse();
    expect(fs.map((f) => [f.function, f.filename, f.lineno, f.colno])).toEqual([
      ['handleClick', '/js/app.js', 41, 13],
      ['dispatch/<', '/js/vendor.js', 1, 1],
      ['eval', '/js/app.js', 26, undefined],
      ['bar', '/js/app.js', 13, undefined],
      [undefined, '/js/app.js', 33, 9],
    ]);
    expect(fs.every((f) => f.in_app === true)).toBe(true);
  });

  it('Safari: anonymous frames without @, [native code] and global code', () => {
    const text = ['fooIterator@http://localhost:5000/test:20:26', 'map@[native code]', 'http://localhost:5000/test:34:25', 'global code@http://localhost:5000/test:24:10'].join('\n');
    const fs = frames(parseStacktrace(text)!.exceptions[0]).reverse();
    expect(fs.map((f) => [f.function, f.abs_path, f.lineno])).toEqual([
      ['fooIterator', 'http://localhost:5000/test', 20],
      ['map', '[native code]', undefined],
      [undefined, 'http://localhost:5000/test', 34],
      ['global code', 'http://localhost:5000/test', 24],
    ]);
    expect(fs[1].filename).toBe('[native code]');
  });
});

describe('CPython tracebacks (real, from testdata)', () => {
  it('a library failure: frames, source lines as context, the standard library out of the app', () => {
    const parsed = parseStacktrace(fixture('python-simple.txt'))!;
    expect(parsed.platform).toBe('python');
    const [e] = parsed.exceptions;
    expect(e).toMatchObject({ type: 'JSONDecodeError', module: 'json.decoder', value: 'Expecting property name enclosed in double quotes: line 1 column 2 (char 1)' });
    const fs = frames(e);
    expect(fs.map((f) => f.function)).toEqual(['show', '<lambda>', 'parse_payload', 'loads', 'decode', 'raw_decode']);
    expect(fs[2]).toMatchObject({ filename: expect.stringMatching(/\/shop\/orders\.py$/), lineno: 17, context_line: 'return json.loads(text)', in_app: true });
    expect(fs[2].module).toBeUndefined();
    expect(fs.slice(3).map((f) => [f.module, f.in_app])).toEqual([
      ['json', false],
      ['json.decoder', false],
      ['json.decoder', false],
    ]);
    // Python 3.11's caret lines are not source.
    expect(fs.every((f) => !/^[~^]/.test(f.context_line ?? ''))).toBe(true);
  });

  it('raise ... from: the cause first, then the exception raised from it', () => {
    const exceptions = parseStacktrace(fixture('python-raise-from.txt'))!.exceptions;
    expect(exceptions.map((e) => [e.module, e.type, e.value])).toEqual([
      [undefined, 'KeyError', '42'],
      ['shop.orders', 'OrderError', 'order 42 not found'],
    ]);
    expect(frames(exceptions[0]).map((f) => f.function)).toEqual(['checkout', 'load']);
    expect(last(frames(exceptions[1])).context_line).toBe('raise OrderError(f"order {order_id} not found") from err');
  });

  it('an exception while handling another: three tracebacks, in order', () => {
    const exceptions = parseStacktrace(fixture('python-during-handling.txt'))!.exceptions;
    expect(exceptions.map((e) => e.type)).toEqual(['KeyError', 'OrderError', 'AttributeError']);
    expect(last(exceptions).value).toBe("'Repository' object has no attribute 'fallback'");
  });
});

describe('JVM traces (real, from testdata)', () => {
  it('Caused by chains: root cause first; "... N more" restores the frames shared with the enclosing trace', () => {
    const exceptions = parseStacktrace(fixture('java-caused-by.txt'))!.exceptions;
    expect(exceptions.map((e) => [e.module, e.type, e.value])).toEqual([
      ['java.lang', 'NullPointerException', 'Cannot invoke "java.lang.Integer.intValue()" because "<local2>" is null'],
      ['com.example.shop', 'CheckoutException', 'cannot reserve b'],
      ['java.lang', 'IllegalStateException', 'request failed'],
    ]);
    const [npe, checkout, outer] = exceptions.map((e) => frames(e).map((f) => `${f.module}.${f.function}:${f.lineno}`));
    expect(outer).toEqual(['com.example.shop.Traces.main:69', 'com.example.shop.Traces.show:56', 'com.example.shop.Traces.lambda$main$0:69', 'com.example.shop.Traces.handle:43']);
    // "... 3 more": the outer trace's last three printed frames (its oldest three).
    expect(checkout).toEqual([...outer.slice(0, 3), 'com.example.shop.Traces.handle:41', 'com.example.shop.Traces.checkout:35']);
    // "... 4 more" of CheckoutException's full trace; the suppressed IOException is not in the chain.
    expect(npe).toEqual([...checkout.slice(0, 4), 'com.example.shop.Traces.checkout:33', 'com.example.shop.Traces$Inventory.reserve:21']);
    expect(frames(exceptions[0])[5]).toMatchObject({ filename: 'Traces.java', abs_path: 'Traces.java' });
    expect(exceptions.flatMap(frames).some((f) => f.in_app !== undefined)).toBe(false);
  });

  it('module prefixes (java.base/) are dropped and native methods have no file', () => {
    const exceptions = parseStacktrace(fixture('java-reflection.txt'))!.exceptions;
    expect(last(exceptions)).toMatchObject({ type: 'InvocationTargetException', module: 'java.lang.reflect' });
    expect(last(exceptions).value).toBeUndefined();
    const native = last(frames(last(exceptions)));
    expect(native).toEqual({ module: 'jdk.internal.reflect.NativeMethodAccessorImpl', function: 'invoke0' });
    expect(exceptions.map((e) => e.type)).toEqual(['NullPointerException', 'CheckoutException', 'IllegalStateException', 'InvocationTargetException']);
  });

  it('lambdas keep their synthetic names', () => {
    const [e] = parseStacktrace(fixture('java-lambda.txt'))!.exceptions;
    expect(e).toMatchObject({ type: 'NumberFormatException', module: 'java.lang', value: 'For input string: "x"' });
    expect(frames(e).map((f) => f.function)).toEqual(['main', 'show', 'lambda$main$2', 'forEach', 'lambda$main$1', 'parseInt', 'parseInt', 'forInputString']);
  });
});

describe('Go panics and goroutine dumps (modelled on published traces)', () => {
  it('an HTTP handler panic: the panicking goroutine, package as module, standard library and module cache out of the app', () => {
    const parsed = parseStacktrace(fixture('go-http-panic.txt'))!;
    expect(parsed.platform).toBe('go');
    const [e] = parsed.exceptions;
    expect(e).toMatchObject({ type: 'panic', value: 'runtime error: invalid memory address or nil pointer dereference' });
    const fs = frames(e).reverse();
    expect(fs.map((f) => [f.module, f.function, f.in_app])).toEqual([
      ['net/http', '(*conn).serve.func1', false],
      // Go prints runtime.gopanic as a bare `panic`: no package to report.
      [undefined, 'panic', false],
      ['github.com/acme/shop/orders', '(*Store).Load', true],
      ['github.com/acme/shop/api', 'getOrder', true],
      ['net/http', 'HandlerFunc.ServeHTTP', false],
      ['github.com/gorilla/mux', '(*Router).ServeHTTP', false],
      ['net/http', 'serverHandler.ServeHTTP', false],
      ['net/http', '(*conn).serve', false],
    ]);
    expect(fs[2]).toMatchObject({ abs_path: '/home/build/shop/orders/store.go', filename: '/home/build/shop/orders/store.go', lineno: 118 });
  });

  it('a bare debug.Stack() dump has frames and no type; inlined calls (...) have no offset', () => {
    const [e] = parseStacktrace(fixture('go-debug-stack.txt'))!.exceptions;
    expect(e.type).toBeUndefined();
    expect(frames(e).map((f) => `${f.module}.${f.function}:${f.lineno}`)).toEqual([
      'main.main:12',
      'main.process:24',
      'main.main.func1:17',
      'main.report:31',
      'runtime/debug.Stack:24',
    ]);
  });

  it('fatal errors; only the first goroutine; "created by" is not a call', () => {
    const [e] = parseStacktrace(fixture('go-fatal-two-goroutines.txt'))!.exceptions;
    expect(e).toMatchObject({ type: 'fatal error', value: 'concurrent map writes' });
    expect(frames(e).map((f) => f.function)).toEqual(['fill', '(*Cache).Put']);
  });
});

it('text in no known format is not parsed', () => {
  expect(parseStacktrace('something went wrong\nand then some more')).toBeUndefined();
});
