// Appends to a file queue as fast as it can until it is killed; used by crash.test.ts.
// Prints "A <id> <n>" once append n resolved, "P <id>" before acknowledging and "K <id>" once
// the ack resolved (stdout to a pipe is synchronous on Linux, so a printed line was printed).
// Imports the compiled code: `npm run build` first (npm test does).
import { FileQueue } from '../../../dist/extensions/file_storage/file-queue.js';

const [dir, fsyncArg, startArg] = process.argv.slice(2);
const quiet = () => {};
const logger = { warn: quiet, info: quiet, debug: quiet, error: quiet };
const q = await FileQueue.open(dir, {
  logger,
  fsync: fsyncArg === 'fsync',
  segmentBytes: 16 * 1024,
  compaction: { onStart: false, onRebound: true, reboundNeededBytes: 64 * 1024, reboundTriggerBytes: 64 * 1024 * 1024, checkIntervalMs: 20, maxTransactionSize: 50 },
});
process.stdout.write('READY\n');

let n = Number(startArg);
const appended = [];
async function worker() {
  for (;;) {
    const mine = n++;
    // Now and then a large record, so the kill sometimes lands inside a write.
    const payload = JSON.stringify({ n: mine, pad: 'x'.repeat(mine % 100 === 0 ? 1 << 20 : (mine * 7919) % 1500) });
    const id = await q.append(Buffer.from(payload));
    process.stdout.write(`A ${id} ${mine}\n`);
    appended.push(id);
    // Acknowledge two of every three, a little behind, as a sender would.
    if (mine % 3 !== 0 && appended.length > 4) {
      const victim = appended.splice(appended.length - 4, 1)[0];
      process.stdout.write(`P ${victim}\n`);
      await q.ack(victim);
      process.stdout.write(`K ${victim}\n`);
    }
  }
}
await Promise.all(Array.from({ length: 8 }, worker));
