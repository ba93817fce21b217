import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newSpan, tracesOf } from '../pipeline/builders.js';
import type { Traces } from '../pipeline/model.js';
import { decodeSignal, encodeSignal } from '../pipeline/otlpjson/index.js';
import { ROOT, SummitProcess, tempDir, writeFile } from './helpers.js';

const INTAKE = join(ROOT, 'test', 'fixtures', 'plugins', 'json-intake');

const config = (out: string, extra = '') => `plugins: [${INTAKE}]
receivers:
  json_intake:
processors:
  batch:
    timeout: 300ms
exporters:
  file:
    path: ${out}
    flush_interval: 10ms
${extra}
service:
  pipelines:
    traces:
      receivers: [json_intake]
      processors: [batch]
      exporters: [file]
  telemetry:
    metrics:
      level: none
`;

let seq = 0;
function body(): { text: string; id: string } {
  const id = (++seq).toString(16).padStart(16, '0');
  const t = tracesOf([newSpan({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: id, name: 'r' })]);
  return { text: JSON.stringify(encodeSignal('traces', t)), id };
}

function spanIds(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((l) => (decodeSignal('traces', JSON.parse(l)) as Traces).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.spanId))));
}

async function start(dir: string, text: string, args: string[] = []) {
  const file = writeFile(dir, 'summit.yaml', text);
  const summit = new SummitProcess(['--config', file, ...args]);
  await summit.waitForLog(/Everything is ready/);
  const intake = /json_intake listening on ([\d.]+:\d+)/.exec(summit.stderr)![1];
  const post = async () => {
    const b = body();
    const res = await fetch(`http://${intake}/v1/traces`, { method: 'POST', body: b.text, headers: { 'content-type': 'application/json' } });
    return { status: res.status, id: b.id };
  };
  return { summit, file, post };
}

const logCount = (s: SummitProcess, re: RegExp) => (s.stderr.match(new RegExp(re, 'g')) ?? []).length;

async function waitFor(check: () => boolean, what: string, ms = 10000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('reload', () => {
  it('SIGHUP with a bad config is rejected and logged; the old pipeline keeps serving', async () => {
    const dir = tempDir();
    const out = join(dir, 'a.jsonl');
    const { summit, file, post } = await start(dir, config(out));
    writeFileSync(file, config(out).replace('timeout: 300ms', 'timeout: soon'));
    summit.child.kill('SIGHUP');
    await summit.waitForLog(/config reload rejected/);
    expect(summit.stderr).toMatch(/summit\.yaml:6:\d+: processors::batch: timeout/);
    const r = await post();
    expect(r.status).toBe(200);
    expect(spanIds(out)).toContain(r.id);
    expect(await summit.stop()).toBe(0);
  });

  it('SIGHUP with a good config switches exporters under load, losing and refusing nothing', async () => {
    const dir = tempDir();
    const [first, second] = [join(dir, 'first.jsonl'), join(dir, 'second.jsonl')];
    const { summit, file, post } = await start(dir, config(first));
    const answers: Promise<{ status: number; id: string }>[] = [];
    let sending = true;
    const load = (async () => {
      while (sending) {
        answers.push(post());
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    writeFileSync(file, config(second));
    const beforeReload = answers.length;
    summit.child.kill('SIGHUP');
    await summit.waitForLog(/Config reloaded/);
    const afterReload = answers.length;
    await new Promise((r) => setTimeout(r, 300));
    sending = false;
    await load;
    const results = await Promise.all(answers);
    // the load ran before and after the switch (how much depends on the machine's load)
    expect(beforeReload).toBeGreaterThan(5);
    expect(results.length - afterReload).toBeGreaterThan(5);
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    const delivered = new Set([...spanIds(first), ...spanIds(second)]);
    expect(results.filter((r) => !delivered.has(r.id))).toEqual([]);
    // both files got data: before and after the switch
    expect(spanIds(first).length).toBeGreaterThan(0);
    expect(spanIds(second).length).toBeGreaterThan(0);
    // the receiver was kept: it never logged a second start
    expect(logCount(summit, /json_intake listening on/)).toBe(1);
    expect(await summit.stop()).toBe(0);
  });

  it('--watch reloads when the config file changes', async () => {
    const dir = tempDir();
    const [first, second] = [join(dir, 'first.jsonl'), join(dir, 'second.jsonl')];
    const { summit, file, post } = await start(dir, config(first), ['--watch']);
    writeFileSync(file, config(second));
    await summit.waitForLog(/Config reloaded/);
    const r = await post();
    expect(r.status).toBe(200);
    await waitFor(() => spanIds(second).includes(r.id), 'the span in the new file');
    expect(await summit.stop()).toBe(0);
  });
});
