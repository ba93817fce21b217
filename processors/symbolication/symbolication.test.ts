/**
 * The symbolicator on a real build: a small app bundled and minified by esbuild with source
 * maps, run by Node.js so it throws a real minified stack, resolved through a configured
 * directory (the upload path is tested end to end in test/sourcemaps.test.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStacktrace } from '../../pipeline/exceptions/parse/index.js';
import type { Frame } from '../../pipeline/exceptions/model.js';
import type { AnyValue } from '../../pipeline/model.js';
import { ArtifactIndex, IssueDatabase } from '../../extensions/issue_store/index.js';
import { validateConfig } from './config.js';
import { symbolicateStackAttribute } from './events.js';
import { tempDir } from '../../test/helpers.js';
import { trimLine } from './context.js';
import { MapCache, ParsedMap } from './map-cache.js';
import { buildSymbolicator, symbolicateEventJson } from './index.js';
import { candidateUrls, originAllowed, resolveUrl } from './urls.js';

const MATH = `export function divide(a, b) {
  if (b === 0) {
    throw new Error('division by zero');
  }
  return a / b;
}
`;
const MAIN = `import { divide } from './math.js';
import { helper } from 'dep';
function compute(values) {
  return values.map((v) => divide(v, helper(v)));
}
export function run() {
  return compute([1, 0]);
}
run();
`;
const DEP = `export function helper(v) { return v - v; }\n`;

let root: string;
let dist: string;
let frames: Frame[];

beforeAll(() => {
  root = tempDir('summit-symbolication-');
  mkdirSync(join(root, 'src'));
  mkdirSync(join(root, 'node_modules', 'dep'), { recursive: true });
  writeFileSync(join(root, 'src', 'math.js'), MATH);
  writeFileSync(join(root, 'src', 'main.js'), MAIN);
  writeFileSync(join(root, 'node_modules', 'dep', 'index.js'), DEP);
  writeFileSync(join(root, 'node_modules', 'dep', 'package.json'), '{"name":"dep","main":"index.js"}');
  dist = join(root, 'dist');
  buildSync({ entryPoints: [join(root, 'src', 'main.js')], bundle: true, minify: true, sourcemap: true, platform: 'node', format: 'cjs', outfile: join(dist, 'app.js'), logLevel: 'silent' });
  let stack = '';
  try {
    execFileSync(process.execPath, [join(dist, 'app.js')], { stdio: 'pipe' });
  } catch (err) {
    stack = String((err as { stderr: Buffer }).stderr);
  }
  const text = stack.slice(stack.indexOf('Error: division by zero'));
  frames = parseStacktrace(text)!.exceptions[0].stacktrace!.frames;
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

function event(f: Frame[], extra: Record<string, unknown> = {}): { platform: string; exception: { values: { type: string; value: string; stacktrace: { frames: Frame[] } }[] } } {
  return { platform: 'node', exception: { values: [{ type: 'Error', value: 'division by zero', stacktrace: { frames: f } }] }, ...extra };
}

describe('symbolication through a source map directory', () => {
  it('resolves file, line, column, function and five lines of context each side', async () => {
    const { symbolicator, cache } = buildSymbolicator({ sourcemaps: [{ dir: dist }] } as never, root, () => undefined);
    const e = event(frames);
    expect(await symbolicateEventJson(e, symbolicator)).toBe(true);
    // the map is parsed once for all frames, and not again for the next event
    await symbolicateEventJson(event(frames), symbolicator);
    expect(cache.parses).toBe(1);
    const out = e.exception.values[0].stacktrace.frames;
    const top = out[out.length - 1];
    expect(top).toMatchObject({ filename: join(root, 'src', 'math.js'), lineno: 3, colno: 11, function: 'divide', in_app: true, context_line: "    throw new Error('division by zero');" });
    expect(top.pre_context).toEqual(['export function divide(a, b) {', '  if (b === 0) {']);
    expect(top.post_context).toEqual(['  }', '  return a / b;', '}', '']);
    expect(top.data).toMatchObject({ symbolicated: true, resolved_with: 'dir', sourcemap: join(dist, 'app.js.map') });
    const names = out.filter((f) => f.data?.symbolicated).map((f) => `${f.function}@${f.filename!.slice(root.length)}:${f.lineno}`);
    expect(names).toContain('compute@/src/main.js:4');
    expect(names).toContain('run@/src/main.js:7');
    // the minified frames are kept as Sentry keeps them
    expect((e.exception.values[0] as { raw_stacktrace?: { frames: Frame[] } }).raw_stacktrace!.frames).toEqual(frames);
  });

  it('leaves frames whose path or position is not of the type Sentry defines as they are, resolving the rest', async () => {
    const { symbolicator } = buildSymbolicator({ sourcemaps: [{ dir: dist }] } as never, root, () => undefined);
    const top = frames[frames.length - 1];
    const odd = [{ ...top, filename: {}, abs_path: [] }, { ...top, lineno: '3' }, { ...top, colno: {} }, { ...top, abs_path: 7 }] as unknown as Frame[];
    const e = event([...odd, ...frames]);
    expect(await symbolicateEventJson(e, symbolicator)).toBe(true);
    const out = e.exception.values[0].stacktrace.frames;
    expect(out.slice(0, 3)).toEqual(odd.slice(0, 3));
    // a path of another type is no path: the frame's filename is used
    expect(out[3].data).toMatchObject({ symbolicated: true });
    expect(out.at(-1)!.data).toMatchObject({ symbolicated: true });
  });

  it('says why a frame was not resolved', async () => {
    const { symbolicator } = buildSymbolicator({ sourcemaps: [] } as never, root, () => undefined);
    const e = event(frames, { release: 'r1' });
    await symbolicateEventJson(e, symbolicator);
    const top = e.exception.values[0].stacktrace.frames.at(-1)!;
    expect(top.data).toMatchObject({ symbolicated: false, symbolication_error: { type: 'js_no_source' } });
    const message = (top.data!.symbolication_error as { message: string }).message;
    expect(message).toContain('no artifact store configured');
    expect(message).toContain('no source map directory configured');
    expect((e as { errors?: unknown[] }).errors).toEqual([expect.objectContaining({ type: 'js_no_source', url: join(dist, 'app.js') })]);
  });

  it('reports a line the map does not cover', async () => {
    const { symbolicator } = buildSymbolicator({ sourcemaps: [{ dir: dist }] } as never, root, () => undefined);
    const e = event([{ abs_path: join(dist, 'app.js'), filename: join(dist, 'app.js'), lineno: 999, colno: 1, function: 'x' }]);
    await symbolicateEventJson(e, symbolicator);
    expect(e.exception.values[0].stacktrace.frames[0].data).toMatchObject({ symbolicated: false, symbolication_error: { type: 'js_invalid_sourcemap_location' } });
  });

  it('marks frames of node_modules as not in the app', async () => {
    const { symbolicator } = buildSymbolicator({ sourcemaps: [{ dir: dist }] } as never, root, () => undefined);
    const map = JSON.parse(readFileSync(join(dist, 'app.js.map'), 'utf8')) as { sources: string[] };
    expect(map.sources.some((s) => s.includes('node_modules/dep'))).toBe(true);
    const { TraceMap, generatedPositionFor } = await import('@jridgewell/trace-mapping');
    const source = map.sources.find((s) => s.includes('node_modules/dep'))!;
    const pos = generatedPositionFor(new TraceMap(map as never), { source, line: 1, column: 28 });
    const e = event([{ abs_path: join(dist, 'app.js'), lineno: pos.line!, colno: pos.column! + 1, in_app: true }]);
    await symbolicateEventJson(e, symbolicator);
    expect(e.exception.values[0].stacktrace.frames[0]).toMatchObject({ in_app: false, data: { orig_in_app: 1 } });
  });

  it('never reads a source outside the directory', async () => {
    const dir = join(root, 'hostile');
    mkdirSync(dir);
    writeFileSync(join(dir, 'evil.js'), 'throw new Error("x")\n//# sourceMappingURL=evil.js.map\n');
    writeFileSync(join(dir, 'evil.js.map'), JSON.stringify({ version: 3, sources: ['../../../../../../etc/passwd'], names: [], mappings: 'AAAA' }));
    const { symbolicator } = buildSymbolicator({ sourcemaps: [{ dir }] } as never, root, () => undefined);
    const e = event([{ abs_path: join(dir, 'evil.js'), lineno: 1, colno: 1 }]);
    await symbolicateEventJson(e, symbolicator);
    const f = e.exception.values[0].stacktrace.frames[0];
    expect(f.context_line).toBeUndefined();
    expect(f.data!.context_error).toMatch(/is outside .*hostile; not read/);
  });
});

describe('lookup rules', () => {
  it('tries the URL, without query, then ~/ and shorter tails', () => {
    expect(candidateUrls('https://cdn.example/static/js/app.js?v=2')).toEqual([
      'https://cdn.example/static/js/app.js?v=2',
      'https://cdn.example/static/js/app.js',
      '~/static/js/app.js?v=2',
      '~/static/js/app.js',
      '~/js/app.js',
      '~/app.js',
    ]);
    expect(resolveUrl('~/app.js.map', '../src/a.js')).toBe('~/src/a.js');
    expect(resolveUrl('/srv/dist/app.js.map', '../src/a.js')).toBe('/srv/src/a.js');
    expect(resolveUrl('https://h/static/app.js', 'app.js.map')).toBe('https://h/static/app.js.map');
  });

  it('fetches only from allowed origins', () => {
    expect(originAllowed('https://cdn.example.com/a.js', ['https://cdn.example.com'])).toBe(true);
    expect(originAllowed('http://cdn.example.com/a.js', ['https://cdn.example.com'])).toBe(false);
    expect(originAllowed('http://10.0.0.1/a.js', ['cdn.example.com'])).toBe(false);
    expect(originAllowed('https://a.example.com/a.js', ['*.example.com'])).toBe(true);
    expect(originAllowed('file:///etc/passwd', ['*.example.com'])).toBe(false);
  });

  it('trims long lines around the column as Sentry does', () => {
    const line = 'x'.repeat(100) + 'HERE' + 'y'.repeat(200);
    const trimmed = trimLine(line, 100);
    expect(trimmed.startsWith('{snip} ')).toBe(true);
    expect(trimmed.endsWith(' {snip}')).toBe(true);
    expect(trimmed).toContain('HERE');
    expect(trimmed.length).toBe(140 + 14);
    expect(trimLine('short', 3)).toBe('short');
  });
});

describe('OpenTelemetry errors', () => {
  it('rewrites exception.stacktrace with the original frames', async () => {
    const { symbolicator } = buildSymbolicator({ sourcemaps: [{ dir: dist }] } as never, root, () => undefined);
    const text = `Error: division by zero\n${[...frames].reverse().map((f) => `    at ${f.function ? `${f.function} (${f.abs_path}:${f.lineno}:${f.colno})` : `${f.abs_path}:${f.lineno}:${f.colno}`}`).join('\n')}`;
    const attributes = new Map<string, AnyValue>([['exception.stacktrace', text]]);
    expect(await symbolicateStackAttribute(attributes, undefined, symbolicator)).toBe(true);
    const rewritten = String(attributes.get('exception.stacktrace'));
    expect(rewritten.split('\n')[0]).toBe('Error: division by zero');
    expect(rewritten.split('\n')[1]).toBe(`    at divide (${join(root, 'src', 'math.js')}:3:11)`);
    // a stack of another runtime is left as it is
    const python = new Map<string, AnyValue>([['exception.stacktrace', 'Traceback (most recent call last):\n  File "a.py", line 1, in <module>\nValueError: x']]);
    expect(await symbolicateStackAttribute(python, undefined, symbolicator)).toBe(false);
  });
});

describe('fetching maps (scraping)', () => {
  it('fetches only from allowed origins, redirects included', async () => {
    const requests: string[] = [];
    const bundle = readFileSync(join(dist, 'app.js'), 'utf8');
    const map = readFileSync(join(dist, 'app.js.map'), 'utf8');
    const server = createServer((req, res) => {
      requests.push(req.url!);
      if (req.url === '/static/app.js') return void res.end(bundle);
      if (req.url === '/static/app.js.map') return void res.end(map);
      if (req.url === '/elsewhere.js') return void res.writeHead(302, { location: 'http://localhost:1/app.js' }).end();
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const config = { scraping: { enabled: true, allowed_origins: [origin], timeout: '2s', max_size: 10_000_000 } };
      const { symbolicator } = buildSymbolicator(config as never, root, () => undefined);
      const top = frames.at(-1)!;
      const e = event([{ ...top, abs_path: `${origin}/static/app.js`, filename: '/static/app.js' }, { ...top, abs_path: `${origin}/elsewhere.js` }, { ...top, abs_path: 'http://10.0.0.1/app.js' }]);
      e.platform = 'javascript';
      await symbolicateEventJson(e, symbolicator);
      const [fetched, redirected, other] = e.exception.values[0].stacktrace.frames;
      expect(fetched).toMatchObject({ lineno: 3, colno: 11, data: { resolved_with: 'scraping', sourcemap: `${origin}/static/app.js.map` } });
      expect(fetched.abs_path).toBe(`${origin}/src/math.js`);
      expect((redirected.data!.symbolication_error as { message: string }).message).toContain('redirected to http://localhost:1/app.js, which is not on an allowed origin');
      expect((other.data!.symbolication_error as { message: string }).message).toContain('http://10.0.0.1/app.js is not on an allowed origin');
      expect(requests.sort()).toEqual(['/elsewhere.js', '/static/app.js', '/static/app.js.map']);
    } finally {
      server.close();
    }
  });

  it('looks a fetched file with a debug id up in the uploads first', async () => {
    const debugId = '0b3f2c1a-5d6e-4f70-8a9b-0c1d2e3f4a5b';
    const bundle = `${readFileSync(join(dist, 'app.js'), 'utf8').replace(/\/\/# sourceMappingURL=.*$/m, '')}\n//# debugId=${debugId}\n`;
    const server = createServer((req, res) => void (req.url === '/app.js' ? res.end(bundle) : res.writeHead(404).end()));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const dbPath = join(root, 'uploads.sqlite');
    IssueDatabase.open(dbPath, { create: true }).close();
    const store = new ArtifactIndex(dbPath, join(root, 'artifacts'));
    try {
      store.add({ bundleId: 'b', org: 'o', files: [{ url: '~/app.js.map', type: 'source_map', debugId, content: readFileSync(join(dist, 'app.js.map')) }] });
      const { symbolicator } = buildSymbolicator({ scraping: { enabled: true, allowed_origins: [origin], timeout: '2s', max_size: 10_000_000 } } as never, root, () => store);
      const e = event([{ ...frames.at(-1)!, abs_path: `${origin}/app.js` }]);
      await symbolicateEventJson(e, symbolicator);
      expect(e.exception.values[0].stacktrace.frames[0]).toMatchObject({ function: 'divide', lineno: 3, data: { resolved_with: 'scraping', sourcemap: '~/app.js.map' } });
    } finally {
      store.close();
      server.close();
    }
  });

  it('is refused in the config without allowed origins', () => {
    expect(validateConfig({ scraping: { enabled: true, allowed_origins: [] } } as never)).toEqual([expect.objectContaining({ path: 'scraping.allowed_origins' })]);
  });
});

describe('uploaded artifacts', () => {
  it('takes context from an uploaded source file when the map has no sourcesContent', async () => {
    const dbPath = join(root, 'sources.sqlite');
    IssueDatabase.open(dbPath, { create: true }).close();
    const store = new ArtifactIndex(dbPath, join(root, 'artifacts-sources'));
    try {
      const map = JSON.parse(readFileSync(join(dist, 'app.js.map'), 'utf8')) as { sourcesContent?: string[] };
      delete map.sourcesContent;
      const file = (url: string, type: 'minified_source' | 'source_map' | 'source', content: string) => ({ url, type, content: Buffer.from(content) });
      store.add({
        bundleId: 'r1',
        org: 'o',
        release: 'r1',
        files: [file('~/dist/app.js', 'minified_source', readFileSync(join(dist, 'app.js'), 'utf8')), file('~/dist/app.js.map', 'source_map', JSON.stringify(map)), file('~/src/math.js', 'source', MATH)],
      });
      const { symbolicator } = buildSymbolicator({} as never, root, () => store);
      const e = event([frames.at(-1)!], { release: 'r1' });
      await symbolicateEventJson(e, symbolicator);
      expect(e.exception.values[0].stacktrace.frames[0]).toMatchObject({
        function: 'divide',
        context_line: "    throw new Error('division by zero');",
        data: { resolved_with: 'release', sourcemap: '~/dist/app.js.map' },
      });
    } finally {
      store.close();
    }
  });
});

describe('the map cache', () => {
  it('keeps maps within its bound of bytes, least recently used out', () => {
    const json = readFileSync(join(dist, 'app.js.map'), 'utf8');
    const parse = (grow: (n: number) => void) => new ParsedMap(json, undefined, () => undefined, grow);
    const one = new MapCache(Number.MAX_SAFE_INTEGER).getOrParse('x', parse).bytes;
    const cache = new MapCache(Math.floor(one * 2.5));
    const a = cache.getOrParse('a', parse);
    const b = cache.getOrParse('b', parse);
    cache.get('a'); // a is now the more recently used
    const c = cache.getOrParse('c', parse);
    expect([a.evicted, b.evicted, c.evicted]).toEqual([false, true, false]);
    expect(cache.size).toEqual({ maps: 2, bytes: a.bytes + c.bytes });
    expect(cache.getOrParse('b', parse)).not.toBe(b);
    expect(cache.parses).toBe(4);
  });
});
