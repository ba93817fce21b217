/**
 * `node dist/bench/run.js sourcemaps`: symbolicating a realistic minified 30-frame stack with
 * warm caches, against a server that does it the naive way (the `source-map` package's
 * SourceMapConsumer built from the map per event), and what the first use of a 5 MB map costs
 * (parse time, and memory per cached map, measured in a child with --expose-gc).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodedMappings, TraceMap } from '@jridgewell/trace-mapping';
import { buildSync } from 'esbuild';
import { SourceMapConsumer } from 'source-map';
import type { Frame } from '../pipeline/exceptions/model.js';
import { buildSymbolicator } from '../processors/symbolication/index.js';
import { MapCache, ParsedMap } from '../processors/symbolication/map-cache.js';
import { tempDir } from '../test/helpers.js';
import { measure, median, table } from './harness.js';

const FRAMES = 30;
const EVENTS = 200;

/** An app of `modules` files of ten functions each, bundled and minified by esbuild with a map. */
function buildApp(modules: number): { dir: string; bundle: string; map: string } {
  const dir = tempDir('summit-bench-sourcemaps-');
  mkdirSync(join(dir, 'src'));
  const imports: string[] = [];
  for (let m = 0; m < modules; m++) {
    const fns = Array.from({ length: 10 }, (_, f) => {
      const name = `module${m}Function${f}`;
      return `export function ${name}(input, options = {}) {
  const values = Array.isArray(input) ? input : [input];
  const scaled = values.map((v) => v * ${f + 1} + (options.offset ?? ${m}));
  if (scaled.some((v) => Number.isNaN(v))) {
    throw new TypeError('${name}: not a number in ' + JSON.stringify(values));
  }
  return scaled.reduce((a, b) => a + b, 0) / scaled.length;
}`;
    });
    writeFileSync(join(dir, 'src', `module${m}.js`), `// module ${m}\n${fns.join('\n\n')}\n`);
    imports.push(`export * from './module${m}.js';`);
  }
  writeFileSync(join(dir, 'src', 'index.js'), `${imports.join('\n')}\n`);
  buildSync({ entryPoints: [join(dir, 'src', 'index.js')], bundle: true, minify: true, sourcemap: true, format: 'cjs', outfile: join(dir, 'dist', 'bundle.js'), logLevel: 'silent' });
  return { dir, bundle: join(dir, 'dist', 'bundle.js'), map: join(dir, 'dist', 'bundle.js.map') };
}

/** A stack as Node.js reports it from the bundle: 30 frames at named, mapped positions spread over the file. */
function stackOf(bundle: string, mapPath: string): Frame[] {
  const trace = new TraceMap(readFileSync(mapPath, 'utf8'));
  const named: [number, number][] = [];
  decodedMappings(trace).forEach((line, l) => line.forEach((seg) => seg.length === 5 && named.push([l, seg[0]])));
  return Array.from({ length: FRAMES }, (_, i) => {
    const [line, column] = named[Math.floor(((i + 0.5) * named.length) / FRAMES)];
    return { abs_path: bundle, filename: bundle, lineno: line + 1, colno: column + 1, function: 'x', in_app: true };
  });
}

export async function sourcemapsSuite(): Promise<string> {
  const app = buildApp(60);
  const frames = stackOf(app.bundle, app.map);
  const { symbolicator } = buildSymbolicator({ sourcemaps: [{ dir: join(app.dir, 'dist') }] } as never, app.dir, () => undefined);
  const ctx = { debugIds: new Map<string, string>() };
  const check = await symbolicator.symbolicate(frames, 'node', ctx);
  if (check.resolved !== FRAMES) throw new Error(`bench stack: ${check.resolved} of ${FRAMES} frames resolved`);

  const results = await measure([
    {
      // what a naive server does per event: read the map, build a consumer, look each frame up
      name: 'source-map SourceMapConsumer per event (peer)',
      run: async () => {
        for (let e = 0; e < EVENTS / 20; e++) {
          const raw = JSON.parse(readFileSync(app.map, 'utf8'));
          await SourceMapConsumer.with(raw, null, (consumer) => {
            for (const f of frames) consumer.originalPositionFor({ line: f.lineno!, column: f.colno! - 1 });
          });
        }
        return (EVENTS / 20) * FRAMES;
      },
    },
    {
      name: 'summit symbolication, warm caches (position, name, context, in_app)',
      run: async () => {
        for (let e = 0; e < EVENTS; e++) await symbolicator.symbolicate(frames, 'node', ctx);
        return EVENTS * FRAMES;
      },
    },
  ]);
  const mapBytes = readFileSync(app.map).length;
  rmSync(app.dir, { recursive: true, force: true });
  const firstUse = firstUseOfLargeMap();
  return [
    table(`sourcemaps: a ${FRAMES}-frame stack through a ${(mapBytes / 1024).toFixed(0)} KiB esbuild map`, 'frames', results, results[0].name),
    `### sourcemaps: first use of a ${(firstUse.mapBytes / 1024 / 1024).toFixed(1)} MiB map`,
    '',
    '| measure | value |',
    '|---|---|',
    `| parse + decode (median of ${firstUse.parseMs.length}) | ${median(firstUse.parseMs).toFixed(0)} ms |`,
    `| heap per cached map (measured) | ${(firstUse.heapPerMap / 1024 / 1024).toFixed(1)} MiB |`,
    `| cache's own estimate per map | ${(firstUse.estimate / 1024 / 1024).toFixed(1)} MiB |`,
    '',
  ].join('\n');
}

interface FirstUse {
  mapBytes: number;
  parseMs: number[];
  heapPerMap: number;
  estimate: number;
}

/** Runs in a child with --expose-gc, so heap figures are of live objects only. */
function firstUseOfLargeMap(): FirstUse {
  const out = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--first-use'], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out) as FirstUse;
}

async function measureFirstUse(): Promise<FirstUse> {
  const app = buildApp(700);
  const json = readFileSync(app.map, 'utf8');
  const gc = (globalThis as { gc?: () => void }).gc!;
  const parseMs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = process.hrtime.bigint();
    new ParsedMap(json.slice(0), undefined, () => undefined, () => {});
    parseMs.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const KEPT = 4;
  const cache = new MapCache(Number.MAX_SAFE_INTEGER);
  gc();
  const before = process.memoryUsage().heapUsed;
  // each copy of the text is a map of its own, as distinct uploads would be
  for (let i = 0; i < KEPT; i++) cache.getOrParse(`m${i}`, (grow) => new ParsedMap(`${json} `.trimEnd() + ' '.repeat(i), undefined, () => undefined, grow));
  gc();
  const heapPerMap = (process.memoryUsage().heapUsed - before) / KEPT;
  rmSync(app.dir, { recursive: true, force: true });
  return { mapBytes: json.length, parseMs, heapPerMap, estimate: cache.size.bytes / KEPT };
}

if (process.argv[2] === '--first-use') process.stdout.write(JSON.stringify(await measureFirstUse()));
