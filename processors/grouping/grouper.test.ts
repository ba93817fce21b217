import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ErrorEvent, Frame } from '../../pipeline/exceptions/model.js';
import { Grouper } from './grouper.js';

const md5 = (...values: string[]) => createHash('md5').update(values.join('')).digest('hex');
const grouper = new Grouper();
const group = (e: ErrorEvent, g = grouper) => g.group(structuredClone(e));

function pythonError(frames: Frame[], type = 'KeyError', value = "'user_id'"): ErrorEvent {
  return { platform: 'python', exception: { values: [{ type, value, stacktrace: { frames } }] } };
}

const appFrame = (fn: string, line: string, lineno = 10): Frame => ({ module: 'shop.orders', filename: 'shop/orders.py', abs_path: '/srv/shop/orders.py', function: fn, context_line: line, lineno, in_app: true });
const libFrame = (fn: string, lineno = 1): Frame => ({ module: 'flask.app', filename: 'flask/app.py', abs_path: '/venv/lib/python3.11/site-packages/flask/app.py', function: fn, context_line: `return ${fn}()`, lineno, in_app: false });

describe("Sentry's hashes, for cases taken from Sentry's grouping corpus", () => {
  it('an exception without a stack: type and message (exception-comput-hashes)', () => {
    const r = group({ exception: { values: [{ type: 'ValueError', module: 'foo.bar', value: 'hello world' }] } });
    expect(r).toMatchObject({ variant: 'app', hash: 'b23ee1963904c2ca87b145febf94b66c' });
    expect(r.hash).toBe(md5('ValueError', 'hello world'));
  });

  it('a message event groups on the template, else the formatted text (logentry-prefers-message, logentry-uses-formatted)', () => {
    expect(group({ logentry: { message: 'Hello there %s!', params: ['world'], formatted: 'Hello there world!' } }).hash).toBe('8ec8bbc71eb6e2af7fbe5076a8534f96');
    expect(group({ logentry: { formatted: 'Hello there world!' } }).hash).toBe('329b29efcf1f77067a063e34f56e7791');
  });

  it('the module counts, not the file (frame-uses-module-over-filename)', () => {
    const r = group({ stacktrace: { frames: [{ abs_path: 'foo.py', lineno: 1, module: 'foo', filename: 'foo.py' }] } });
    expect(r).toMatchObject({ variant: 'system', hash: 'acbd18db4cc2f85cedef654fccc4a4d8' });
    expect(r.hash).toBe(md5('foo'));
  });

  it('server fingerprint rules with variables (fingerprint-message, fingerprint-on-log-info)', () => {
    const love = group({ logentry: { formatted: 'Hello my sweet Love' } }, new Grouper({ fingerprintRules: 'message:"*love*" -> what-is-love, {{ message }}' }));
    expect(love.variants.get('custom-fingerprint')).toMatchObject({ values: ['what-is-love', 'Hello my sweet Love'], hash: 'c2b489b81e9aaadedd55b7212fa17972' });
    expect(love.title).toBe('Hello my sweet Love');
    const log = group(
      { logentry: { formatted: 'Love not found.' }, logger: 'sentry.example.love', level: 'error' },
      new Grouper({ fingerprintRules: 'logger:"sentry.*" level:"ERROR" -> log-, {{ logger }}, -, {{ level }}' }),
    );
    expect(log.hash).toBe('01a32bcb24c858fb259c639e799d072d');
  });

  it('an event with nothing to group on gets the hash of nothing', () => {
    expect(group({}).variants.get('fallback')?.hash).toBe('d41d8cd98f00b204e9800998ecf8427e');
  });
});

describe('what counts and what does not', () => {
  const base = [libFrame('dispatch'), appFrame('checkout', 'order = repo.load(order_id)'), appFrame('load', 'return self.rows[order_id]')];

  it('in-app frames decide: library frames, line numbers and the message do not', () => {
    const a = group(pythonError(base));
    expect(a.variant).toBe('app');
    expect(a.hash).toBe(md5('shop.orders', 'checkout', 'order = repo.load(order_id)', 'shop.orders', 'load', 'return self.rows[order_id]', 'KeyError'));
    const other = [libFrame('wsgi_app'), libFrame('dispatch'), { ...base[1], lineno: 99 }, base[2]];
    expect(group(pythonError(other, 'KeyError', "'order_id'")).hash).toBe(a.hash);
    expect(group(pythonError([base[0], appFrame('checkout', 'order = repo.get(order_id)'), base[2]])).hash).not.toBe(a.hash);
  });

  it('without in-app frames every frame counts (the system variant), and its hash is listed last', () => {
    const r = group(pythonError(base.map((f) => ({ ...f, in_app: false }))));
    expect(r.variant).toBe('system');
    expect([...r.variants.keys()]).toEqual(['app', 'system']);
    const mixed = group(pythonError(base));
    expect(mixed.hashes).toEqual([mixed.variants.get('app')!.hash, mixed.variants.get('system')!.hash]);
  });

  it('recursion: a frame repeating its caller exactly counts once', () => {
    const f = appFrame('walk', 'return walk(node.child)');
    expect(group(pythonError([f, f, f, f])).hash).toBe(group(pythonError([f])).hash);
  });

  it('JavaScript: Object.foo is foo, unnamed functions and page URLs do not count, so browsers agree', () => {
    const chrome: ErrorEvent = {
      platform: 'javascript',
      exception: {
        values: [
          {
            type: 'TypeError',
            value: "Cannot read properties of undefined (reading 'id')",
            stacktrace: {
              frames: [
                { abs_path: 'https://shop.example.com/app.js', filename: '/app.js', function: 'HTMLButtonElement.onclick', in_app: true },
                { abs_path: 'https://shop.example.com/app.js', filename: '/app.js', function: 'Object.renderUser', in_app: true },
                { abs_path: 'https://shop.example.com/app.js', filename: '/app.js', function: '?', in_app: true },
              ],
            },
          },
        ],
      },
    };
    const firefox = structuredClone(chrome);
    const [onclick, render, anon] = firefox.exception!.values[0].stacktrace!.frames;
    onclick.function = 'onclick';
    render.function = 'renderUser';
    anon.function = 'fetchUser/<';
    firefox.exception!.values[0].value = "user is undefined";
    const r = group(chrome);
    expect(group(firefox).hash).toBe(r.hash);
    expect(r.hash).toBe(md5('onclick', 'renderUser', 'TypeError'));
  });

  it("Java: generated class names and lambdas do not split issues", () => {
    const java = (module: string, fn: string): ErrorEvent => ({
      platform: 'java',
      exception: { values: [{ type: 'IllegalStateException', value: 'x', stacktrace: { frames: [{ module, function: fn, filename: 'Svc.java', in_app: true }] } }] },
    });
    expect(group(java('com.acme.Svc$$EnhancerBySpringCGLIB$$1a2b3c', 'run')).hash).toBe(group(java('com.acme.Svc$$EnhancerBySpringCGLIB$$9f8e7d', 'run')).hash);
    expect(group(java('com.acme.Svc', 'lambda$run$0')).hash).toBe(group(java('com.acme.Svc', 'lambda$run$7')).hash);
  });

  it('messages are parameterised: varying ids, numbers and addresses land in one issue', () => {
    const msg = (formatted: string) => group({ logentry: { formatted } }).hash;
    expect(msg('payment 8812 declined for 10.1.2.3')).toBe(msg('payment 17 declined for 192.168.0.9'));
    expect(msg('payment 8812 declined for 10.1.2.3')).not.toBe(msg('refund 8812 declined for 10.1.2.3'));
  });

  it('exception groups of copies of one error group and title as that error (the last copy, as in Sentry)', () => {
    const child = (id: number) => ({ type: 'ConnectionError', value: `host ${id} unreachable`, mechanism: { type: 'chained', exception_id: id, parent_id: 0 } });
    const event: ErrorEvent = {
      platform: 'python',
      exception: { values: [child(1), child(2), { type: 'ExceptionGroup', value: 'errors', mechanism: { type: 'generic', exception_id: 0, is_exception_group: true } }] },
    };
    const r = group(event);
    expect(r.hash).toBe(md5('ConnectionError', 'host <int> unreachable'));
    expect(r.title).toBe('ConnectionError: host 2 unreachable');
  });
});

describe('fingerprints', () => {
  const event = pythonError([appFrame('checkout', 'order = repo.load(order_id)')]);

  it('{{ default }} with more values salts the default hash: one issue per extra value', () => {
    const plain = group(event);
    const a = group({ ...event, fingerprint: ['{{ default }}', 'route-a'] });
    const b = group({ ...event, fingerprint: ['{{ default }}', 'route-b'] });
    // One in-app frame: the app variant equals the system one and gives way to it.
    expect([plain.variant, a.variant]).toEqual(['system', 'system']);
    expect(a.hash).toBe(md5(...plain.variants.get('system')!.component!.flatValues(), 'route-a'));
    expect(b.hash).not.toBe(a.hash);
  });

  it('a fingerprint without {{ default }} replaces grouping; server rules replace the client fingerprint', () => {
    const custom = group({ ...event, fingerprint: ['db-down'] });
    expect(custom).toMatchObject({ variant: 'custom-fingerprint', hash: md5('db-down') });
    const ruled = group({ ...event, fingerprint: ['db-down'] }, new Grouper({ fingerprintRules: 'error.type:KeyError -> missing-key title="Missing key {{ error.value }}"' }));
    expect(ruled.hash).toBe(md5('missing-key'));
    expect(ruled.title).toBe("Missing key 'user_id'");
  });

  it("built-in rules: webpack's chunk load failures are one issue", () => {
    const chunk = (n: number): ErrorEvent => ({ platform: 'javascript', exception: { values: [{ type: 'ChunkLoadError', value: `Loading chunk ${n} failed.` }] } });
    expect(group(chunk(3))).toMatchObject({ variant: 'built-in-fingerprint', hash: md5('chunkloaderror') });
  });

  it('project stack trace rules mark frames in-app', () => {
    const lib = pythonError([libFrame('dispatch'), libFrame('handle')]);
    expect(group(lib).variant).toBe('system');
    expect(group(lib, new Grouper({ stacktraceRules: 'module:flask.* function:handle +app' })).variant).toBe('app');
  });
});

describe('the per-stack cache', () => {
  it('a grouper that has seen a stack groups it exactly as a fresh one, whatever differs between repeats', () => {
    const rules = { stacktraceRules: 'error.type:TimeoutError function:retry -group\nmodule:shop.vendor.* -app' };
    const stack = (): Frame[] => [libFrame('dispatch'), appFrame('retry', 'return op()'), { ...appFrame('load', 'return db.get(k)'), module: 'shop.vendor.db' }, appFrame('get', 'return rows[k]')];
    const variations: ErrorEvent[] = [];
    for (const type of ['TimeoutError', 'KeyError']) {
      variations.push(pythonError(stack(), type));
      const notInApp = stack();
      notInApp[3].in_app = false;
      variations.push(pythonError(notInApp, type));
      const recursive = stack();
      recursive.splice(3, 0, { ...recursive[3] });
      variations.push(pythonError(recursive, type));
      const recursiveOtherLine = stack();
      recursiveOtherLine.splice(3, 0, { ...recursiveOtherLine[3], lineno: 11 });
      variations.push(pythonError(recursiveOtherLine, type));
      const otherSource = stack();
      otherSource[3].context_line = 'return rows.get(k)';
      variations.push(pythonError(otherSource, type));
      variations.push({ ...pythonError(stack(), type), platform: 'java' });
    }
    const warm = new Grouper(rules);
    for (const e of [...variations, ...variations]) group(e, warm);
    const trees = (r: ReturnType<typeof group>) => [...r.variants].map(([n, v]) => `${n}:${v.hash}\n${v.component?.describe()}`);
    for (const e of variations) expect(trees(group(e, warm))).toEqual(trees(group(e, new Grouper(rules))));
    // The variations really group differently.
    expect(new Set(variations.map((e) => group(e, warm).hash)).size).toBeGreaterThanOrEqual(9);
  });
});

describe('titles and culprits, as Sentry shows them', () => {
  it('exception type and the first line of its message, cut at 100 characters', () => {
    const long = `${'x'.repeat(120)}\nsecond line`;
    const r = group(pythonError([appFrame('load', 'return self.rows[order_id]')], 'KeyError', long));
    expect(r.title).toBe(`KeyError: ${'x'.repeat(97)}...`);
    expect(r.culprit).toBe('shop.orders in load');
  });

  it('JavaScript culprits read function(file); without in-app frames the crashing frame is used', () => {
    const r = group({
      platform: 'node',
      exception: {
        values: [
          {
            type: 'Error',
            stacktrace: { frames: [{ filename: '/app/server.js', function: 'handle', in_app: true }, { filename: '/app/node_modules/pg/lib/client.js', function: 'Client.query', in_app: false }] },
          },
        ],
      },
    });
    expect(r.title).toBe('Error');
    expect(r.culprit).toBe('handle(/app/server.js)');
    expect(group({ platform: 'node', exception: { values: [{ type: 'E', stacktrace: { frames: [{ filename: '/x/node_modules/a.js', function: 'f' }] } }] } }).culprit).toBe('f(/x/node_modules/a.js)');
  });

  it("a message event's title is its message; the SDK's culprit and the transaction win over the stack", () => {
    expect(group({ logentry: { formatted: 'Disk almost full\nmore' } }).title).toBe('Disk almost full');
    expect(group({ logentry: { formatted: '' } }).title).toBe('<unlabeled event>');
    expect(group({ ...pythonError([appFrame('load', 'x')]), transaction: '/api/orders/{id}' }).culprit).toBe('/api/orders/{id}');
    expect(group({ ...pythonError([appFrame('load', 'x')]), culprit: 'given' }).culprit).toBe('given');
  });
});
