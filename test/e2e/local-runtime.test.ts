import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { normalizeEvent } from '../../functions/shared/core/normalizers/index.js';
import { loadEvent } from '../support/events.js';

const VIGIL = ['bin/vigil.mjs', 'local'];

function lastJsonLine(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!);
}

describe('npm start (vigil local), as a user runs it', () => {
  it('--once replays the demo and accounts for every event', () => {
    // Act
    const run = spawnSync(process.execPath, [...VIGIL, '--once'], { encoding: 'utf8', timeout: 150_000 });
    // Assess
    expect(run.status, run.stderr).toBe(0);
    const summary = lastJsonLine(run.stdout);
    // Every EventBridge event of the corpus: Config, GuardDuty, Security Hub, CloudTrail. The
    // corpus's sanitized accounts (1111111111, "redacted", ...) are not in the demo
    // organization: quarantined as accounts outside the organization, never routed.
    expect(summary).toMatchObject({ events: 491, lost: 0, dlq: 0, quarantined: 41, quarantineReasons: { 'account-not-in-organization': 41 }, findings: { total: 49 } });
    const byTeam = (summary.findings as { byTeam: Record<string, number> }).byTeam;
    expect(Object.keys(byTeam).sort()).toEqual(['data', 'growth', 'payments', 'security']);
  });

  it('--once with bad input quarantines it with nothing lost, and --data continues from the first run', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'vigil-e2e-'));
    const good = loadEvent('corpus/config/eventbridge/nzism-remediation-lab__poc_queue_sample.json');
    const badDetail = structuredClone(good) as { detail: Record<string, unknown> };
    delete badDetail.detail.resourceId;
    const events = join(dir, 'events.jsonl');
    writeFileSync(events, [good, badDetail, { ...good, account: '', detail: 'nope' }].map((e) => JSON.stringify(e)).join('\n') + '\nthis line is not JSON\n');
    const data = join(dir, 'data');
    // Act
    const first = spawnSync(process.execPath, [...VIGIL, '--once', '--events', events, '--data', data], { encoding: 'utf8', timeout: 150_000 });
    const second = spawnSync(process.execPath, [...VIGIL, '--once', '--events', events, '--data', data], { encoding: 'utf8', timeout: 150_000 });
    // Assess
    expect(first.status, first.stderr).toBe(0);
    expect(lastJsonLine(first.stdout)).toMatchObject({ events: 4, lost: 0, rejected: 1, quarantined: 2, findings: { total: 1 } });
    expect(second.status, second.stderr).toBe(0);
    expect(lastJsonLine(second.stdout)).toMatchObject({ events: 4, lost: 0, quarantined: 2, findings: { total: 1, byStatus: { OPEN: 1 } } });
  });

  describe('the local bus speaks EventBridge PutEvents', () => {
    let child: ChildProcess;
    let output = '';
    const urls: Record<string, string> = {};

    beforeAll(async () => {
      child = spawn(process.execPath, VIGIL, { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const deadline = Date.now() + 150_000;
      while (!/^ready$/m.test(output)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`vigil local did not become ready:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const [, name, url] of output.matchAll(/^(\w+)\s+(http:\/\/127\.0\.0\.1:\d+)/gm)) urls[name!] = url!;
    });

    afterAll(async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGINT');
        await exited;
      }
    });

    it('takes an event sent with @aws-sdk/client-eventbridge to its owner: the API with a team token, and Slack', async () => {
      // Prepare: a GuardDuty finding from the payments account, as a member account's forwarder sends it
      // (a Tor relay: config/vigil.yaml mutes port probes for payments, not this).
      const event = loadEvent('corpus/guardduty/eventbridge-derived/sekoia-intake-formats__event_instance_network__UnauthorizedAccess_EC2_TorRelay.json') as { detail: Record<string, unknown> };
      const detail = { ...event.detail, id: 'e2e-finding-1', severity: 8, title: 'E2E: i-e2e is talking to a Tor relay', updatedAt: new Date().toISOString() };
      const eventbridge = new EventBridgeClient({ endpoint: urls.bus, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
      const expected = normalizeEvent({ ...event, detail });
      if (expected.kind !== 'findings') throw new Error('expected a finding');
      const id = expected.observations[0]!.id;
      // Act
      const out = await eventbridge.send(new PutEventsCommand({ Entries: [{ Source: 'aws.guardduty', DetailType: 'GuardDuty Finding', Detail: JSON.stringify(detail), EventBusName: 'vigil-central' }] }));
      // Assess: the owner (payments, by the account map) sees it through the API; another team does not
      expect(out.FailedEntryCount).toBe(0);
      const token = async (team: string) => {
        const run = spawnSync(process.execPath, ['bin/vigil.mjs', 'token', '--team', team], { encoding: 'utf8' });
        return run.stdout.trim().split('\n').pop()!;
      };
      const [payments, data] = [await token('payments'), await token('data')];
      let found: Record<string, unknown> | undefined;
      for (let i = 0; i < 100 && !found; i++) {
        const res = await fetch(`${urls.api}/findings/${id}`, { headers: { authorization: `Bearer ${payments}` } });
        if (res.status === 200) found = (await res.json()) as Record<string, unknown>;
        else await new Promise((r) => setTimeout(r, 100));
      }
      expect(found).toMatchObject({ id, team: 'payments', routedBy: 'account-map', severity: 'HIGH', source: 'aws.guardduty', accountId: '111111111111' });
      const list = (await (await fetch(`${urls.api}/findings?team=payments&minSeverity=HIGH`, { headers: { authorization: `Bearer ${payments}` } })).json()) as { items: Array<{ id: string }> };
      expect(list.items.map((f) => f.id)).toContain(id);
      expect((await fetch(`${urls.api}/findings/${id}`, { headers: { authorization: `Bearer ${data}` } })).status).toBe(404);
      // ... and the payments channel got one Slack message about it
      let messages: Array<{ text?: string; blocks?: unknown }> = [];
      for (let i = 0; i < 100; i++) {
        messages = ((await (await fetch(`${urls.slack}/messages`)).json()) as { messages: typeof messages }).messages.filter((m) => JSON.stringify(m).includes('E2E: i-e2e is talking to a Tor relay'));
        if (messages.length) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(messages).toHaveLength(1);
    });

    it('lists the coverage of the demo organization for an administrator, and refuses a team', async () => {
      const token = (...args: string[]) => spawnSync(process.execPath, ['bin/vigil.mjs', 'token', ...args], { encoding: 'utf8' }).stdout.trim().split('\n').pop()!;
      const organization = parse(readFileSync('config/demo-organization.yaml', 'utf8')) as { accounts: Array<{ id: string; status: string }> };
      const active = organization.accounts.filter((a) => a.status === 'ACTIVE').map((a) => a.id);
      const res = await fetch(`${urls.api}/coverage`, { headers: { authorization: `Bearer ${token('--admin')}` } });
      expect(res.status).toBe(200);
      const coverage = (await res.json()) as { regions: string[]; activeAccounts: number; gaps: Array<{ accountId: string; region: string; gap: string }> };
      // One Region locally, and no forwarder sends heartbeats to the demo: every active account is a gap.
      expect(coverage).toMatchObject({ regions: ['us-east-1'], activeAccounts: active.length, covered: 0 });
      expect(coverage.gaps.map((g) => `${g.accountId} ${g.region} ${g.gap}`)).toEqual([...active].sort().map((id) => `${id} us-east-1 never-started`));
      expect((await fetch(`${urls.api}/coverage`, { headers: { authorization: `Bearer ${token('--team', 'payments')}` } })).status).toBe(403);
    });

    it('refuses an entry without a JSON detail, naming the problem', async () => {
      const eventbridge = new EventBridgeClient({ endpoint: urls.bus, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
      const out = await eventbridge.send(new PutEventsCommand({ Entries: [{ Source: 'aws.guardduty', DetailType: 'GuardDuty Finding', Detail: 'not json' }] }));
      expect(out.FailedEntryCount).toBe(1);
      expect(out.Entries?.[0]).toMatchObject({ ErrorCode: 'MalformedDetail' });
    });
  });
});
