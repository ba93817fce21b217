/**
 * `node dist/bench/run.js ui-traces`: the trace pages of the web UI (plugins/ui) in a real Summit
 * process — a 10,000-span trace's waterfall in Chromium (navigation to first rows drawn, then
 * scrolling and folding a subtree), and trace search over a Parquet lake of 10,000,000 spans
 * read by DuckDB (p50 / p95 of each search the Traces page makes).
 * Targets (issue 13): waterfall ≤ 1 s in Chromium, trace search over 10 M spans ≤ 2 s.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { encodeSignal } from '../pipeline/otlpproto/index.js';
import { SpanKind, StatusCode, type AnyValue, type Traces } from '../pipeline/model.js';
import { freePort, cpuSeconds, startProcess, stopProcess } from './processes.js';
import { lakeSearches, spanLakeAt } from './ui-lake.js';

const TOKEN = 'bench-ui-token-0123456789';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SUMMIT = join(ROOT, 'dist', 'bin', 'summit.js');
const WATERFALL_TRACE = 'abcdef0123456789abcdef0123456789';
const LAKE_SPANS = Number(process.env.BENCH_LAKE_SPANS ?? 10_000_000);
/** A lake kept between runs: made there when absent, never deleted. */
const LAKE_DIR = process.env.BENCH_LAKE_DIR;
const SEARCHES = 20;

/** One trace of `n` spans: a root, 100 children, each with its share of the rest beneath it. */
export function bigTrace(n: number): Traces {
  const t0 = BigInt(Date.now()) * 1_000_000n;
  const spanId = (i: number) => (i + 1).toString(16).padStart(16, '0');
  const spans = Array.from({ length: n }, (_, i) => ({
    traceId: WATERFALL_TRACE,
    spanId: spanId(i),
    traceState: '',
    parentSpanId: i === 0 ? '' : i <= 100 ? spanId(0) : spanId(1 + (i % 100)),
    flags: 0,
    name: `op ${i % 50}`,
    kind: SpanKind.Internal,
    startTimeUnixNano: t0 + BigInt(i) * 100_000n,
    endTimeUnixNano: t0 + BigInt(i) * 100_000n + 5_000_000n,
    attributes: new Map<string, AnyValue>([['http.route', `/orders/${i % 20}`], ['thread.id', BigInt(i % 8)]]),
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: i % 97 === 0 ? StatusCode.Error : StatusCode.Unset, message: '' },
  }));
  return {
    resourceSpans: [
      {
        resource: { attributes: new Map<string, AnyValue>([['service.name', 'batch'], ['host.name', 'bench-host'], ['process.pid', 4242n]]), droppedAttributesCount: 0 },
        schemaUrl: '',
        scopeSpans: [{ scope: { name: 'bench', version: '', attributes: new Map(), droppedAttributesCount: 0 }, schemaUrl: '', spans }],
      },
    ],
  };
}

const quantile = (ms: number[], q: number) => [...ms].sort((a, b) => a - b)[Math.ceil(q * ms.length) - 1] ?? NaN;
const load = () => loadavg()[0].toFixed(1);

interface WaterfallTimes {
  /** From navigation start to the frame after the first rows entered the DOM, by the page's own clock. */
  painted: number[];
  /** The same seen from the bench: page.goto until Playwright finds a row (adds its polling and IPC). */
  firstRows: number[];
  /** CPU the Summit process spent per navigation (serving the page, its session and the trace). */
  serverCpuMs: number[];
  /** The trace's JSON as served (bytes, uncompressed). */
  jsonBytes: number;
  scrollFrames: number[];
  fold: number[];
}

/** Milliseconds from each scroll step to the next frame painted with the rows of that offset. */
async function scrollFrames(page: Page): Promise<number[]> {
  return page.evaluate(async () => {
    const box = document.querySelector('.waterfall') as HTMLElement;
    const frame = () => new Promise<void>((r) => requestAnimationFrame(() => r()));
    const out: number[] = [];
    for (let i = 1; i <= 40; i++) {
      const t = performance.now();
      box.scrollTop = (box.scrollHeight * i) / 41;
      box.dispatchEvent(new Event('scroll'));
      await frame();
      await frame();
      out.push(performance.now() - t);
    }
    return out;
  });
}

/** Milliseconds from a click on the first child's fold toggle until the rows below it change, folding then unfolding. */
async function foldTimes(page: Page): Promise<number[]> {
  return page.evaluate(async () => {
    const box = document.querySelector('.waterfall') as HTMLElement;
    box.scrollTop = 0;
    box.dispatchEvent(new Event('scroll'));
    await new Promise((r) => setTimeout(r, 50));
    const frame = () => new Promise<void>((r) => requestAnimationFrame(() => r()));
    const out: number[] = [];
    for (let i = 0; i < 10; i++) {
      const toggle = document.querySelectorAll('.span-row .fold')[1] as HTMLElement | undefined;
      if (!toggle) return out; // a waterfall without folding
      const before = document.querySelector('.waterfall > div')!.clientHeight;
      const t = performance.now();
      toggle.click();
      while (document.querySelector('.waterfall > div')!.clientHeight === before) await frame();
      out.push(performance.now() - t);
    }
    return out;
  });
}

/** Records when the first waterfall row enters the DOM and the frame after it (a paint) in `window.waterfallPainted`. */
function watchFirstRows(): void {
  new MutationObserver((_, observer) => {
    if (!document.querySelector('.span-row')) return;
    observer.disconnect();
    requestAnimationFrame(() => setTimeout(() => ((window as unknown as { waterfallPainted: number }).waterfallPainted = performance.now())));
  }).observe(document, { childList: true, subtree: true });
}

async function waterfall(base: string, summitPid: number): Promise<WaterfallTimes> {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    await page.setExtraHTTPHeaders({ authorization: `Bearer ${TOKEN}` });
    await page.addInitScript(watchFirstRows);
    const painted: number[] = [];
    const serverCpuMs: number[] = [];
    const firstRows: number[] = [];
    const scroll: number[] = [];
    const fold: number[] = [];
    let jsonBytes = 0;
    page.on('response', (r) => {
      if (r.url().includes('/ui/api/traces/')) void r.body().then((b) => (jsonBytes = b.length), () => {});
    });
    for (let i = 0; i < 6; i++) {
      const cpu = cpuSeconds(summitPid);
      const t = performance.now();
      await page.goto(`${base}/traces/${WATERFALL_TRACE}`);
      await page.locator('.span-row').first().waitFor({ timeout: 60_000 });
      if (i === 0) continue; // the first load warms the browser's caches
      firstRows.push(performance.now() - t);
      painted.push(await page.waitForFunction(() => (window as unknown as { waterfallPainted?: number }).waterfallPainted).then((h) => h.jsonValue() as Promise<number>));
      serverCpuMs.push((cpuSeconds(summitPid) - cpu) * 1000);
      scroll.push(...(await scrollFrames(page)));
      fold.push(...(await foldTimes(page)));
    }
    return { painted, firstRows, serverCpuMs, jsonBytes, scrollFrames: scroll, fold };
  } finally {
    await browser.close();
  }
}

/** Waits while an attribute search answers `indexing: true` (the lake's filters are being built); whether it had to. */
async function waitIndexed(base: string, path: string): Promise<boolean> {
  let waited = false;
  while (((await (await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { indexing?: boolean }).indexing) {
    waited = true;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return waited;
}

export async function uiTracesSuite(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'summit-bench-ui-traces-'));
  const lakeDir = LAKE_DIR ?? join(dir, 'lake');
  const rows: string[] = [];
  let child;
  try {
    const reused = existsSync(join(lakeDir, 'traces'));
    const lakeStart = performance.now();
    const lake = await spanLakeAt(lakeDir, LAKE_SPANS);
    const lakeSeconds = (performance.now() - lakeStart) / 1000;
    const [ui, otlp] = [await freePort(), await freePort()];
    const config = join(dir, 'summit.yaml');
    writeFileSync(
      config,
      `plugins: [${join(ROOT, 'plugins', 'ui')}]
receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${otlp} } } }
exporters:
  ui: { endpoint: 127.0.0.1:${ui}, lake: ${lakeDir}, api_token: ${TOKEN}, admin_file: ${join(dir, 'ui-admin.json')} }
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], exporters: [ui] }
`,
    );
    const started = performance.now();
    child = await startProcess([SUMMIT, '--config', config], /Everything is ready/);
    const base = `http://127.0.0.1:${ui}`;
    const sent = await fetch(`http://127.0.0.1:${otlp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.from(encodeSignal('traces', bigTrace(10_000))) });
    if (sent.status !== 200) throw new Error(`the 10,000-span trace was refused: ${sent.status}`);
    // the lake's attribute filters are built from the start on, unless kept from an earlier run: measured apart from the rest
    const needle = `/ui/api/traces?${new URLSearchParams(lakeSearches(lake).find(([, p]) => p.attr?.startsWith('customer.id='))![1])}`;
    const indexLoad = load();
    await waitIndexed(base, needle);
    const indexed = `attribute filters of the lake built ${((performance.now() - started) / 1000).toFixed(0)} s after the start (load average ${indexLoad} → ${load()})`;
    const loadBefore = load();
    const w = await waterfall(base, child.pid!);
    rows.push(
      `#### 10,000-span waterfall in Chromium (load average ${loadBefore} → ${load()}; trace JSON ${(w.jsonBytes / 1024).toFixed(0)} KiB)`,
      '',
      '| case | p50 | p95 | samples |',
      '|---|---|---|---|',
      `| navigation to the first rows painted (the page's clock) | ${quantile(w.painted, 0.5).toFixed(0)} ms | ${quantile(w.painted, 0.95).toFixed(0)} ms | ${w.painted.length} |`,
      `| navigation to a row found by Playwright (the bench's clock) | ${quantile(w.firstRows, 0.5).toFixed(0)} ms | ${quantile(w.firstRows, 0.95).toFixed(0)} ms | ${w.firstRows.length} |`,
      `| Summit CPU per navigation (page, session, trace) | ${quantile(w.serverCpuMs, 0.5).toFixed(0)} ms | ${quantile(w.serverCpuMs, 0.95).toFixed(0)} ms | ${w.serverCpuMs.length} |`,
      `| scroll step to the next frame painted | ${quantile(w.scrollFrames, 0.5).toFixed(1)} ms | ${quantile(w.scrollFrames, 0.95).toFixed(1)} ms | ${w.scrollFrames.length} |`,
      `| fold / unfold a 100-span subtree | ${quantile(w.fold, 0.5).toFixed(1)} ms | ${quantile(w.fold, 0.95).toFixed(1)} ms | ${w.fold.length} |`,
      '',
    );
    const searchLoad = load();
    rows.push(
      `#### Trace search over ${lake.spans.toLocaleString('en')} spans in Parquet (${lake.files} files, ${(lake.bytes / 2 ** 20).toFixed(0)} MiB, ${lake.hours} hour partitions; ${reused ? 'kept from an earlier run' : `made in ${lakeSeconds.toFixed(0)} s`}; ${indexed}; ${SEARCHES} requests per case; load average ${searchLoad})`,
      '',
      '| search | results | p50 | p95 |',
      '|---|---|---|---|',
    );
    for (const [name, params] of lakeSearches(lake)) {
      const path = `/ui/api/traces?${new URLSearchParams(params)}`;
      const ms: number[] = [];
      let results = 0;
      for (let i = 0; i < SEARCHES + 2; i++) {
        const t = performance.now();
        const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
        const body = (await res.json()) as { traces?: unknown[]; detail?: string };
        if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body.detail}`);
        if (i >= 2) ms.push(performance.now() - t);
        results = body.traces!.length;
      }
      rows.push(`| ${name} | ${results} | ${quantile(ms, 0.5).toFixed(0)} ms | ${quantile(ms, 0.95).toFixed(0)} ms |`);
    }
    rows.push('', `load average after: ${load()}`, '');
    // the first attribute search after a restart: with the filters kept in the filter file, and with none kept (as before they were)
    const restarts: string[] = [];
    for (const kept of [false, true, true, true]) {
      await stopProcess(child);
      if (!kept) for (const suffix of ['', '-wal', '-shm']) rmSync(join(dir, `ui-lake-index.sqlite${suffix}`), { force: true });
      const before = load();
      const restarted = performance.now();
      child = await startProcess([SUMMIT, '--config', config], /Everything is ready/);
      const ready = performance.now() - restarted;
      const t = performance.now();
      const res = await fetch(`${base}${needle}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      const body = (await res.json()) as { traces?: unknown[]; detail?: string };
      if (res.status !== 200) throw new Error(`${needle}: ${res.status} ${body.detail}`);
      const first = performance.now() - t;
      const cpu = cpuSeconds(child.pid!);
      restarts.push(`| ${kept ? 'filters kept in the filter file' : 'no filters kept (as before): the search reads every file'} | ${(ready / 1000).toFixed(1)} s | **${first.toFixed(0)} ms** | ${body.traces!.length} | ${(cpu * 1000).toFixed(0)} ms | ${before} → ${load()} |`);
      if (!kept) await waitIndexed(base, needle);
    }
    rows.push(
      '#### The first attribute search after a restart (one customer.id, whole lake)',
      '',
      '| restart | start to ready | first search | traces | Summit CPU from start to the answer | load average |',
      '|---|---|---|---|---|---|',
      ...restarts,
    );
  } finally {
    if (child) await stopProcess(child);
    rmSync(dir, { recursive: true, force: true });
  }
  return ['### ui-traces', '', ...rows, ''].join('\n');
}
