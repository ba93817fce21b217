import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { retryableError } from '../../pipeline/errors.js';
import type { Logs } from '../../pipeline/model.js';
import { testContext, testHost } from '../../pipeline/testing.js';
import { until } from '../../test/delivery-helpers.js';
import { tempDir } from '../../test/helpers.js';
import { filelogConfigSchema, type FilelogConfig } from './config.js';
import { filelogReceiverFactory } from './index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The schema's defaults, as config validation fills them in. */
function defaults(over: Partial<FilelogConfig>): FilelogConfig {
  const props = filelogConfigSchema.properties as Record<string, { default?: unknown }>;
  return { ...Object.fromEntries(Object.entries(props).filter(([, p]) => 'default' in p).map(([k, p]) => [k, structuredClone(p.default)])), ...over } as FilelogConfig;
}

const bodies = (l: Logs) => l.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords.map((r) => String(r.body))));

describe('filelog receiver under backpressure', () => {
  it('pauses reading while the pipeline refuses (retryable) and then delivers every line once, in order', async () => {
    const dir = tempDir('summit-filelog-bp-');
    dirs.push(dir);
    const n = 10_000;
    writeFileSync(join(dir, 'app.log'), Array.from({ length: n }, (_, i) => `line-${i}\n`).join(''));
    const got: string[] = [];
    let refusals = 0;
    let refusing = true;
    const next = {
      logs: {
        async consume(l: Logs) {
          if (refusing) {
            refusals++;
            throw retryableError('queue is full');
          }
          got.push(...bodies(l));
        },
      },
    };
    const config = defaults({ include: [join(dir, '*.log')], start_at: 'beginning', poll_interval: '20ms', retry_on_failure: { enabled: true, initial_interval: '10ms', max_interval: '20ms', max_elapsed_time: '0s' } });
    const receiver = await filelogReceiverFactory.create(testContext({ id: 'filelog', kind: 'receiver' }), config, next);
    await receiver.start!(testHost());
    try {
      await until(() => refusals >= 5, 'five refusals');
      // while refused, one batch is retried and nothing else is taken
      expect(got).toEqual([]);
      refusing = false;
      await until(() => got.length >= n, `${n} lines`);
      expect(got).toEqual(Array.from({ length: n }, (_, i) => `line-${i}`));
    } finally {
      await receiver.shutdown!();
    }
  });
});
