/** `summit alerts silence …` and `summit incidents …` against a state file. */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { alertsCommand, incidentsCommand } from '../bin/alerts.js';
import { AlertState } from '../exporters/webhook/state.js';
import { tempDir } from './helpers.js';

/** Runs the command in-process (restart.test.ts runs it through the summit binary). */
async function runSummit(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const io = { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t) };
  const [command, ...rest] = argv;
  const code = await (command === 'alerts' ? alertsCommand : incidentsCommand)(rest, io);
  return { code, ...out };
}

it('adds, lists and expires silences; the state the exporter reads has them', async () => {
  const db = join(tempDir('summit-alerts-cli-'), 'alerts.sqlite');
  AlertState.open(db, { create: true }).close();
  const added = await runSummit(['alerts', 'silence', 'add', 'service.name="checkout"', 'severity=~"warning|info"', '--duration', '2h', '--comment', 'deploy', '--author', 'ana', '--db', db]);
  expect(added.code).toBe(0);
  const id = /^silence (\S+) until /.exec(added.stdout)![1];

  const state = AlertState.open(db, { create: false });
  try {
    const now = Date.now();
    expect(state.isSilenced({ 'service.name': 'checkout', severity: 'warning' }, now)).toBe(true);
    expect(state.isSilenced({ 'service.name': 'checkout', severity: 'critical' }, now)).toBe(false);
    expect(state.isSilenced({ 'service.name': 'checkout', severity: 'warning' }, now + 3 * 3_600_000)).toBe(false);

    const listed = await runSummit(['alerts', 'silence', 'ls', '--db', db, '--format', 'json']);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ id, matchers: ['service.name="checkout"', 'severity=~"warning|info"'], createdBy: 'ana', comment: 'deploy' }]);

    const expired = await runSummit(['alerts', 'silence', 'expire', id.slice(0, 8), '--db', db]);
    expect([expired.code, expired.stdout]).toEqual([0, `silence ${id} expired\n`]);
    expect(state.isSilenced({ 'service.name': 'checkout', severity: 'warning' }, Date.now() + 1000)).toBe(false);
  } finally {
    state.close();
  }
});

it('refuses bad input with the reason and usage exit codes', async () => {
  const db = join(tempDir('summit-alerts-cli-'), 'alerts.sqlite');
  const missing = await runSummit(['incidents', 'ls', '--db', db]);
  expect([missing.code, missing.stderr]).toEqual([1, `summit incidents: no alerting state at ${db}: the webhook exporter creates it when Summit starts\n`]);
  AlertState.open(db, { create: true }).close();
  const bad = await runSummit(['alerts', 'silence', 'add', 'service.name~checkout', '--db', db]);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain('matcher "service.name~checkout": expected NAME=VALUE');
  const noId = await runSummit(['incidents', 'ack', '--db', db]);
  expect(noId.code).toBe(2);
  expect(noId.stderr).toContain('incidents ack needs an incident id');
  const unknown = await runSummit(['incidents', 'ack', '7', '--db', db]);
  expect([unknown.code, unknown.stderr]).toEqual([1, 'summit incidents: no incident 7\n']);
});

it('acknowledges and resolves an incident, which stops its escalation', async () => {
  const db = join(tempDir('summit-alerts-cli-'), 'alerts.sqlite');
  const state = AlertState.open(db, { create: true });
  try {
    const incident = state.createIncident({ groupKey: 'g', policy: 'oncall', title: 'HighErrorRate (checkout)', labels: { 'service.name': 'checkout' }, openedAt: 1000 }, { alerts: [] });
    expect(state.dueIncidents(Date.now()).map((i) => i.id)).toEqual([incident.id]);
    const acked = await runSummit(['incidents', 'ack', String(incident.id), '--by', 'ana', '--db', db]);
    expect([acked.code, acked.stdout]).toEqual([0, `incident ${incident.id} acknowledged\n`]);
    expect(state.dueIncidents(Date.now())).toEqual([]);
    const again = await runSummit(['incidents', 'ack', String(incident.id), '--db', db]);
    expect(again.stdout).toBe(`incident ${incident.id} was already acknowledged\n`);
    await runSummit(['incidents', 'resolve', String(incident.id), '--by', 'ana', '--db', db]);
    const listed = await runSummit(['incidents', '--db', db, '--format', 'json']);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ id: incident.id, status: 'resolved', ackedBy: 'ana', resolvedBy: 'ana' }]);
  } finally {
    state.close();
  }
});
