import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runSummit, tempDir, writeFile } from './helpers.js';

/** Every YAML example in the docs a newcomer reads first must validate as written. */
describe('documentation examples', () => {
  const docs = ['README.md', 'plugins/example/README.md', 'plugins/ui/README.md', 'extensions/issue_store/README.md', 'processors/symbolication/README.md'];
  for (const doc of docs) {
    it(`${doc}: its full config examples validate`, async () => {
      const text = readFileSync(join(ROOT, doc), 'utf8');
      const blocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).filter((b) => /^service:/m.test(b));
      expect(blocks.length).toBeGreaterThan(0);
      for (const block of blocks) {
        const dir = tempDir();
        // examples name the plugin by its path from the repository root
        const file = writeFile(dir, 'example.yaml', block.replace(/\.\/plugins\/(example|ui)\b/g, (_, name: string) => join(ROOT, 'plugins', name)));
        const r = await runSummit(['validate', '--config', file]);
        expect(r.stderr).toContain('config is valid');
      }
    });
  }
});
