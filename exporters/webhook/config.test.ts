/** The README's example validates as written; mistakes are reported with their key path. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { errorsOf, loadConfig } from '../../bin/load-config.js';
import { formatProblemLine } from '../../config/types.js';
import { ROOT, tempDir, writeFile } from '../../test/helpers.js';

const ENV = { ...process.env, SUMMIT_WEBHOOK_SECRET: 'a-long-webhook-secret', SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/X', PAGERDUTY_ROUTING_KEY: 'R0UT1NG', TEAMS_WORKFLOW_URL: 'https://prod-00.westeurope.logic.azure.com/workflows/x' };

async function problems(yaml: string): Promise<string[]> {
  const file = writeFile(tempDir(), 'summit.yaml', yaml);
  const loaded = await loadConfig([file], [], { env: ENV });
  return errorsOf(loaded.problems).map(formatProblemLine);
}

const readmeExample = (): string => [...readFileSync(join(ROOT, 'exporters/webhook/README.md'), 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => /^service:/m.test(b))!;

it('the README example is a valid config', async () => {
  expect(await problems(readmeExample())).toEqual([]);
});

it('names what is wrong and where', async () => {
  const base = readmeExample();
  const broken = (from: string, to: string) => {
    expect(base).toContain(from);
    return problems(base.replace(from, to));
  };
  expect((await broken('escalation_policy: oncall', 'escalation_policy: nobody')).join('\n')).toContain('escalation_policy "nobody" is not among escalation_policies');
  expect((await broken(`matchers: ['severity="critical"']`, `matchers: ['severity~critical']`)).join('\n')).toContain('route.routes[0].matchers: matcher "severity~critical": expected NAME=VALUE');
  expect((await broken(`condition: 'attributes["issue.new"] == true or`, `condition: 'atributes["issue.new"] == true or`)).join('\n')).toMatch(/rules\[3\]\.event\.condition: condition .* unknown path "atributes"/);
  expect((await broken('function: p95', 'function: p96')).join('\n')).toContain('rules[1].expr.function: expected one of avg');
  expect((await broken("annotations: { link: '{{ .externalURL }}", "annotations: { link: '{{ .external }}")).join('\n')).toContain('rules[3].annotations.link: template action "{{ .external }}" is not supported');
  expect((await broken("title: '{{ .labels.service.name }}", "title: '{{ .Labels.service.name }}")).join('\n')).toContain('receivers[0].msteamsv2_configs[0].title: template action "{{ .Labels.service.name }}" is not supported');
  expect((await broken('{ receiver: pager, escalate_after: 10m }', '{ receiver: pagers, escalate_after: 10m }')).join('\n')).toContain('escalation_policies[0].tiers[0].receiver: no receiver named "pagers"');
});
