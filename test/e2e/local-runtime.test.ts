import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

    it('routes an event sent with @aws-sdk/client-eventbridge by the template rules into the table', async () => {
      // Prepare: a GuardDuty finding as a member account's forwarder would send it.
      const event = loadEvent('corpus/guardduty/eventbridge-derived/sekoia-intake-formats__event_instance_portprobe__Recon_EC2_PortProbeUnprotectedPort.json') as { detail: { id: string; updatedAt: string } };
      const detail = { ...event.detail, id: 'e2e-finding-1', updatedAt: new Date().toISOString() };
      const eventbridge = new EventBridgeClient({ endpoint: urls.bus, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
      // Act
      const out = await eventbridge.send(new PutEventsCommand({ Entries: [{ Source: 'aws.guardduty', DetailType: 'GuardDuty Finding', Detail: JSON.stringify(detail), EventBusName: 'vigil-central' }] }));
      // Assess
      expect(out.FailedEntryCount).toBe(0);
      const expected = normalizeEvent({ ...event, detail });
      if (expected.kind !== 'findings') throw new Error('expected a finding');
      const id = expected.observations[0]!.id;
      const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: urls.dynamodb, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
      let item: Record<string, unknown> | undefined;
      for (let i = 0; i < 100 && !item; i++) {
        item = (await db.send(new GetCommand({ TableName: 'vigil-FindingsTable', Key: { pk: `F#${id}`, sk: 'F' } }))).Item;
        if (!item) await new Promise((r) => setTimeout(r, 100));
      }
      expect(item).toMatchObject({ id, status: 'OPEN', severity: 'LOW', source: 'aws.guardduty', accountId: '111111111111' });
    });

    it('refuses an entry without a JSON detail, naming the problem', async () => {
      const eventbridge = new EventBridgeClient({ endpoint: urls.bus, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
      const out = await eventbridge.send(new PutEventsCommand({ Entries: [{ Source: 'aws.guardduty', DetailType: 'GuardDuty Finding', Detail: 'not json' }] }));
      expect(out.FailedEntryCount).toBe(1);
      expect(out.Entries?.[0]).toMatchObject({ ErrorCode: 'MalformedDetail' });
    });
  });
});
