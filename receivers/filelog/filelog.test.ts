import { appendFileSync, chmodSync, closeSync, existsSync, mkdirSync, openSync, rmSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { cleanedUpAfterEach, rssMiB, sleep, startSummit, until } from '../../test/delivery-helpers.js';
import { runSummit, tempDir, writeFile } from '../../test/helpers.js';
import { bodyCounts, readLogRecords } from '../../test/log-output.js';

const { running, dirs } = cleanedUpAfterEach();

function setup(): string {
  const dir = tempDir('summit-filelog-');
  dirs.push(dir);
  return dir;
}

function config(receiver: string, extra = ''): string {
  return `receivers:
  filelog:
${receiver
  .trim()
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}
exporters:
  file:
    path: ./out.jsonl
    append: true
${extra}
service:
  ${extra.includes('file_storage') ? 'extensions: [file_storage]\n  ' : ''}telemetry:
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [filelog]
      exporters: [file]
`;
}

/** Rotates dir/app.log now with the real logrotate, keeping 10 rotated files. */
function logrotate(dir: string, mode: 'create' | 'copytruncate'): void {
  const conf = writeFile(dir, 'logrotate.conf', `${join(dir, 'app.log')} {\n  rotate 10\n  ${mode}\n  missingok\n}\n`);
  execFileSync('logrotate', ['--force', '--state', join(dir, 'logrotate.state'), conf], { stdio: 'pipe' });
}

const lines = (from: number, to: number, prefix = 'line') => Array.from({ length: to - from }, (_, i) => `${prefix}-${from + i}\n`).join('');

/** Every body `prefix-N` for N in [0, n) arrived exactly once (and nothing else with that prefix). */
function expectExactlyOnce(out: string, n: number, prefix = 'line'): void {
  const counts = bodyCounts(readLogRecords(out));
  const missing: number[] = [];
  const twice: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = counts.get(`${prefix}-${i}`) ?? 0;
    if (c === 0) missing.push(i);
    if (c > 1) twice.push(i);
  }
  expect({ missing: missing.slice(0, 10), missingCount: missing.length, duplicated: twice.slice(0, 10) }).toEqual({ missing: [], missingCount: 0, duplicated: [] });
}

async function waitForRecords(out: string, n: number, ms = 10_000): Promise<void> {
  await until(() => readLogRecords(out).length >= n, `${n} records in ${out}`, ms);
}

describe('filelog receiver', () => {
  it('reads files matched by ** globs from the beginning, with file name and path attributes, and skips excluded ones', async () => {
    const dir = setup();
    mkdirSync(join(dir, 'logs/a/b'), { recursive: true });
    writeFileSync(join(dir, 'logs/top.log'), 'top line\r\n');
    writeFileSync(join(dir, 'logs/a/b/deep.log'), 'deep line\n\nlast line without newline');
    writeFileSync(join(dir, 'logs/a/skip.log'), 'excluded\n');
    writeFileSync(join(dir, 'logs/a/other.txt'), 'not matched\n');
    running.push(
      await startSummit(
        dir,
        config(`
include: [./logs/**/*.log]
exclude: ['**/skip.log']
start_at: beginning
include_file_path: true
include_file_name_resolved: true
force_flush_period: 100ms`),
      ),
    );
    const out = join(dir, 'out.jsonl');
    await waitForRecords(out, 3);
    await sleep(300);
    const records = readLogRecords(out);
    expect(records.map((r) => r.body).sort()).toEqual(['deep line', 'last line without newline', 'top line']);
    const deep = records.find((r) => r.body === 'deep line')!;
    expect(deep.attributes).toEqual({
      'log.file.name': 'deep.log',
      'log.file.path': join(dir, 'logs/a/b/deep.log'),
      'log.file.name_resolved': 'deep.log',
    });
  });

  it('starts at the end of files present at start (start_at: end) and reads what is appended, and files created later from their start', async () => {
    const dir = setup();
    writeFileSync(join(dir, 'app.log'), lines(0, 5, 'old'));
    running.push(await startSummit(dir, config(`include: [./*.log]\npoll_interval: 50ms`)));
    await sleep(300);
    appendFileSync(join(dir, 'app.log'), lines(0, 3));
    writeFileSync(join(dir, 'new.log'), lines(3, 6));
    const out = join(dir, 'out.jsonl');
    await waitForRecords(out, 6);
    await sleep(200);
    expect(readLogRecords(out).map((r) => r.body)).not.toContain('old-0');
    expectExactlyOnce(out, 6);
  });

  it('recombines multiline Java and Python stack traces into one record each (line_start_pattern)', async () => {
    const dir = setup();
    const java = [
      '2024-05-01 10:00:00 ERROR request failed',
      'java.lang.IllegalStateException: boom',
      '\tat com.example.Service.handle(Service.java:42)',
      '\tat com.example.Main.main(Main.java:7)',
      'Caused by: java.io.IOException: disk',
      '\t... 2 more',
    ].join('\n');
    const python = ['2024-05-01 10:00:01 ERROR unhandled', 'Traceback (most recent call last):', '  File "app.py", line 3, in <module>', '    main()', 'ValueError: bad'].join('\n');
    writeFileSync(join(dir, 'app.log'), `${java}\n${python}\n2024-05-01 10:00:02 INFO fine\n`);
    running.push(
      await startSummit(
        dir,
        config(`
include: [./app.log]
start_at: beginning
force_flush_period: 100ms
multiline:
  line_start_pattern: '^\\d{4}-\\d{2}-\\d{2} '`),
      ),
    );
    const out = join(dir, 'out.jsonl');
    await waitForRecords(out, 3);
    await sleep(300);
    expect(readLogRecords(out).map((r) => r.body)).toEqual([java, python, '2024-05-01 10:00:02 INFO fine']);
  });

  it('follows rotation by logrotate (rename + create) while the file is written at a steady rate: every line once', async () => {
    const dir = setup();
    const file = join(dir, 'app.log');
    writeFileSync(file, '');
    running.push(await startSummit(dir, config(`include: [./app.log]\npoll_interval: 50ms\nstart_at: beginning`)));
    let n = 0;
    for (let round = 0; round < 4; round++) {
      for (let t = 0; t < 10; t++) {
        appendFileSync(file, lines(n, n + 50));
        n += 50;
        await sleep(10);
      }
      // logrotate's default: rename, then create the file anew (the rotated names are not included)
      logrotate(dir, 'create');
    }
    appendFileSync(file, lines(n, n + 50));
    n += 50;
    const out = join(dir, 'out.jsonl');
    await waitForRecords(out, n);
    await sleep(300);
    expectExactlyOnce(out, n);
  });

  it('follows rotation by logrotate copytruncate (the copy matched by the include): every line once', async () => {
    const dir = setup();
    const file = join(dir, 'app.log');
    writeFileSync(file, '');
    running.push(await startSummit(dir, config(`include: [./app.log*]\npoll_interval: 50ms\nstart_at: beginning`)));
    let n = 0;
    for (let round = 0; round < 4; round++) {
      for (let t = 0; t < 10; t++) {
        appendFileSync(file, lines(n, n + 50));
        n += 50;
        await sleep(10);
      }
      // copytruncate: copy, then truncate in place; the writer keeps appending
      logrotate(dir, 'copytruncate');
    }
    appendFileSync(file, lines(n, n + 50));
    n += 50;
    const out = join(dir, 'out.jsonl');
    await waitForRecords(out, n);
    await sleep(300);
    expectExactlyOnce(out, n);
  });

  it('copytruncate with lines written between the copy and the truncation: the shorter copy is not read again', async () => {
    const dir = setup();
    const file = join(dir, 'app.log');
    writeFileSync(file, lines(0, 200));
    running.push(await startSummit(dir, config(`include: [./app.log*]\npoll_interval: 50ms\nstart_at: beginning`)));
    const out = join(dir, 'out.jsonl');
    await waitForRecords(out, 200);
    // the copy (longer than the fingerprint) is taken now; the writer appends before the truncation, and those lines are read from the original
    const copy = lines(0, 200);
    appendFileSync(file, lines(200, 250));
    await waitForRecords(out, 250);
    writeFileSync(join(dir, 'app.log.1'), copy);
    writeFileSync(file, '');
    await sleep(300);
    appendFileSync(file, lines(250, 300));
    await waitForRecords(out, 300);
    await sleep(300);
    expectExactlyOnce(out, 300);
  });

  it('stops reading a handle whose file was truncated and rewritten under it: the new content is read once, from its start', async () => {
    const dir = setup();
    const file = join(dir, 'app.log');
    writeFileSync(file, lines(0, 100, 'old'));
    running.push(await startSummit(dir, config(`include: [./app.log]\npoll_interval: 50ms\nstart_at: beginning`)));
    const out = join(dir, 'out.jsonl');
    await waitForRecords(out, 100);
    // longer than what was read: a reader that kept its offset would read the new content's tail as its own
    writeFileSync(file, lines(0, 300, 'new'));
    await waitForRecords(out, 400);
    await sleep(300);
    expectExactlyOnce(out, 100, 'old');
    expectExactlyOnce(out, 300, 'new');
  });

  it('reads a file that shrank from its start again', async () => {
    const dir = setup();
    const file = join(dir, 'app.log');
    writeFileSync(file, 'the same first bytes, then a long line that makes it longer\n');
    running.push(await startSummit(dir, config(`include: [./app.log]\npoll_interval: 50ms\nstart_at: beginning`)));
    const out = join(dir, 'out.jsonl');
    await waitForRecords(out, 1);
    writeFileSync(file, 'the same first bytes\n');
    await waitForRecords(out, 2);
    expect(readLogRecords(out).map((r) => r.body)).toEqual(['the same first bytes, then a long line that makes it longer', 'the same first bytes']);
  });

  it('reads gzip files (compression: gzip) and deletes files once read (delete_after_read)', async () => {
    const dir = setup();
    writeFileSync(join(dir, 'a.log.gz'), gzipSync(lines(0, 100)));
    writeFileSync(join(dir, 'b.log.gz'), Buffer.concat([gzipSync(lines(100, 150)), gzipSync(lines(150, 200))]));
    running.push(await startSummit(dir, config(`include: [./*.gz]\nstart_at: beginning\ncompression: gzip\ndelete_after_read: true\npoll_interval: 50ms`)));
    const out = join(dir, 'out.jsonl');
    await waitForRecords(out, 200);
    await until(() => !existsSync(join(dir, 'a.log.gz')) && !existsSync(join(dir, 'b.log.gz')), 'the files to be deleted');
    expectExactlyOnce(out, 200);
  });

  it('warns about a FIFO, an unreadable file and invalid UTF-8, cuts a line longer than max_log_size, and keeps reading the rest', async () => {
    const dir = setup();
    execFileSync('mkfifo', [join(dir, 'pipe.log')]);
    writeFileSync(join(dir, 'secret.log'), 'hidden\n');
    chmodSync(join(dir, 'secret.log'), 0o000);
    writeFileSync(join(dir, 'bad.log'), Buffer.concat([Buffer.from('bad \xff\xfe bytes\n', 'latin1'), Buffer.from('fine\n')]));
    writeFileSync(join(dir, 'long.log'), `${'x'.repeat(2500)}\nafter\n`);
    const summit = await startSummit(dir, config(`include: [./*.log]\nstart_at: beginning\nmax_log_size: 1KiB\npoll_interval: 50ms`));
    running.push(summit);
    const out = join(dir, 'out.jsonl');
    await waitForRecords(out, 6);
    await summit.waitForLog(/not a regular file/);
    await summit.waitForLog(/invalid in its encoding/);
    if (process.getuid?.() !== 0) await summit.waitForLog(/permission denied/);
    const bodies = readLogRecords(out).map((r) => String(r.body));
    expect(bodies).toContain('bad \uFFFD\uFFFD bytes');
    expect(bodies).toContain('fine');
    expect(bodies.filter((b) => /^x+$/.test(b)).map((b) => b.length)).toEqual([1024, 1024, 452]);
    expect(bodies).toContain('after');
  });

  it('container operator: Docker JSON and CRI logs with partial lines reassembled, Kubernetes metadata from the path', async () => {
    const dir = setup();
    const pods = join(dir, 'pods');
    const docker = join(pods, 'shop_web-7d9f_0f3c2a4e-1111-2222-3333-444455556666/web');
    const cri = join(pods, 'shop_worker-1_aaaabbbb-cccc-dddd-eeee-ffff00001111/worker');
    mkdirSync(docker, { recursive: true });
    mkdirSync(cri, { recursive: true });
    writeFileSync(
      join(docker, '0.log'),
      [
        { log: 'GET /cart 200\n', stream: 'stdout', time: '2024-05-01T10:00:00.000000001Z' },
        { log: 'a very long line split by docker ', stream: 'stderr', time: '2024-05-01T10:00:01Z' },
        { log: 'into two parts\n', stream: 'stderr', time: '2024-05-01T10:00:01Z' },
      ]
        .map((l) => JSON.stringify(l))
        .join('\n') + '\n',
    );
    writeFileSync(
      join(cri, '2.log'),
      ['2024-05-01T10:00:02.5+00:00 stdout P a partial line con', '2024-05-01T10:00:02.5+00:00 stdout F tinues here', '2024-05-01T10:00:03Z stderr F whole line'].join('\n') + '\n',
    );
    running.push(await startSummit(dir, config(`include: [./pods/*/*/*.log]\nstart_at: beginning\ninclude_file_path: true\noperators:\n  - type: container`)));
    const out = join(dir, 'out.jsonl');
    await waitForRecords(out, 4);
    await sleep(300);
    const records = readLogRecords(out);
    const byBody = new Map(records.map((r) => [String(r.body), r]));
    expect([...byBody.keys()].sort()).toEqual(['GET /cart 200', 'a partial line continues here', 'a very long line split by docker into two parts', 'whole line']);
    const get = byBody.get('GET /cart 200')!;
    expect(get.attributes['log.iostream']).toBe('stdout');
    expect(get.timeUnixNano).toBe(1714557600000000001n);
    expect(get.resource).toEqual({
      'k8s.namespace.name': 'shop',
      'k8s.pod.name': 'web-7d9f',
      'k8s.pod.uid': '0f3c2a4e-1111-2222-3333-444455556666',
      'k8s.container.name': 'web',
      'k8s.container.restart_count': '0',
    });
    expect(byBody.get('a partial line continues here')!.resource['k8s.container.restart_count']).toBe('2');
    expect(byBody.get('whole line')!.attributes['log.iostream']).toBe('stderr');
  });

  it('cuts a 100 MB line into max_log_size records without holding it, and reads a file deleted while it is tailed to its end', async () => {
    const dir = setup();
    const big = join(dir, 'big.log');
    const fd = openSync(big, 'w');
    const mib = Buffer.alloc(1024 * 1024, 'y');
    for (let i = 0; i < 100; i++) writeSync(fd, mib);
    writeSync(fd, '\nafter the long line\n');
    closeSync(fd);
    writeFileSync(join(dir, 'gone.log'), 'gone-0\n');
    // the long pieces' bodies are replaced by their length class, so the output stays small
    const summit = await startSummit(
      dir,
      config(`
include: [./*.log]
start_at: beginning
poll_interval: 50ms
operators:
  - type: add
    if: 'body matches "^y+$"'
    field: body
    value: a piece of the long line`),
    );
    running.push(summit);
    const out = join(dir, 'out.jsonl');
    await waitForRecords(out, 2);
    appendFileSync(join(dir, 'gone.log'), 'gone-1\n');
    rmSync(join(dir, 'gone.log'));
    await waitForRecords(out, 103, 20_000);
    const bodies = readLogRecords(out).map((r) => String(r.body));
    expect(bodies.filter((b) => b === 'a piece of the long line')).toHaveLength(100);
    expect(bodies).toContain('after the long line');
    expect(bodies.filter((b) => b.startsWith('gone-')).sort()).toEqual(['gone-0', 'gone-1']);
    // holding the line whole would take its 100 MB as bytes and again as text on top of the process itself
    expect(rssMiB(summit.child.pid!)).toBeLessThan(350);
  });

  it('ordering_criteria keeps the newest files by a date in their name, exclude_older_than skips stale ones, compression auto reads *.gz', async () => {
    const dir = setup();
    for (const day of ['20240501', '20240503', '20240502']) writeFileSync(join(dir, `app-${day}.log`), `from ${day}\n`);
    mkdirSync(join(dir, 'other'));
    writeFileSync(join(dir, 'other/fresh.log'), 'fresh\n');
    const old = Date.now() / 1000 - 7200;
    running.push(
      await startSummit(
        dir,
        config(`
include: [./app-*.log, ./other/*]
start_at: beginning
ordering_criteria:
  regex: 'app-(?P<day>\\d{8})\\.log$|other/(?P<name>[a-z.]+)$'
  top_n: 2
  sort_by:
    - regex_key: day
      sort_type: timestamp
      layout: '%Y%m%d'`),
      ),
    );
    const out = join(dir, 'out.jsonl');
    await waitForRecords(out, 2);
    await sleep(400);
    // the other/ files have an empty "day" capture: it does not parse as a date, so they are left out as upstream leaves them
    expect(readLogRecords(out).map((r) => r.body).sort()).toEqual(['from 20240502', 'from 20240503']);
    const dir2 = setup();
    writeFileSync(join(dir2, 'fresh.log'), 'fresh\n');
    writeFileSync(join(dir2, 'stale.log'), 'stale\n');
    utimesSync(join(dir2, 'stale.log'), old, old);
    writeFileSync(join(dir2, 'packed.log.gz'), gzipSync('packed line\n'));
    running.push(
      await startSummit(
        dir2,
        config(`
include: [./*.log, ./*.gz]
start_at: beginning
exclude_older_than: 1h
compression: auto`),
      ),
    );
    const out2 = join(dir2, 'out.jsonl');
    await waitForRecords(out2, 2);
    await sleep(400);
    expect(readLogRecords(out2).map((r) => r.body).sort()).toEqual(['fresh', 'packed line']);
  });

  it('header: leading lines matching the pattern become attributes of every record of the file, kept across a restart', async () => {
    const dir = setup();
    const file = join(dir, 'run.log');
    writeFileSync(file, '# build: 42\n# host: ci-7\nstep one\n');
    const cfg = config(
      `
include: [./run.log]
start_at: beginning
poll_interval: 50ms
storage: file_storage
header:
  pattern: '^#'
  metadata_operators:
    - type: regex_parser
      regex: '^# (?P<key>\\w+): (?P<value>.*)$'
    - type: copy
      from: attributes.value
      to: attributes.header_value
    - type: move
      from: attributes.value
      to: attributes.last_header`,
      `extensions:\n  file_storage:\n    directory: ./storage\n    create_directory: true`,
    );
    const first = await startSummit(dir, cfg);
    running.push(first);
    const out = join(dir, 'out.jsonl');
    await waitForRecords(out, 1);
    await first.stop();
    appendFileSync(file, 'step two\n');
    running.push(await startSummit(dir, cfg));
    await waitForRecords(out, 2);
    await sleep(300);
    const records = readLogRecords(out);
    expect(records.map((r) => r.body)).toEqual(['step one', 'step two']);
    for (const r of records) expect(r.attributes).toMatchObject({ key: 'host', header_value: 'ci-7', last_header: 'ci-7', 'log.file.name': 'run.log' });
    const bad = writeFile(dir, 'bad.yaml', config(`include: [./*.log]\nheader:\n  pattern: '^#'\n  metadata_operators: [{type: json_parser}]`));
    const r = await runSummit(['validate', '--config', bad]);
    expect(r.stderr + r.stdout).toMatch(/header.*requires `start_at: beginning`/);
  });

  it('refuses an unsupported operator and a bad glob config, naming them', async () => {
    const dir = setup();
    const file = writeFile(dir, 'bad.yaml', config(`include: [./*.log]\noperators:\n  - type: json_parser\n  - type: lua_script`));
    const r = await runSummit(['validate', '--config', file]);
    expect(r.code).not.toBe(0);
    expect(r.stderr + r.stdout).toMatch(/operators\[1\].*unsupported operator type "lua_script"/);
  });
});
