import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { stagingReportCommand } from '../../cli/commands/staging-report.js';
import { loadEvent } from '../support/events.js';
import { NotifierHarness, TEST_CONFIG } from '../support/notifier-harness.js';

describe('staging: a rule on trial notifies nobody, and the report shows what it would have sent', () => {
  const harness = new NotifierHarness();

  beforeAll(async () => {
    await harness.start(`${TEST_CONFIG}staging:\n  - Recon:EC2/PortProbeUnprotectedPort\n`);
    await harness.reset();
  });
  afterAll(() => harness.stop());

  it('records the staged finding, sends nothing, and reports the message it held back', async () => {
    // Prepare: a staged GuardDuty finding type and one that is not
    const staged = loadEvent('corpus/guardduty/eventbridge-derived/sekoia-intake-formats__event_instance_portprobe__Recon_EC2_PortProbeUnprotectedPort.json');
    const live = loadEvent('corpus/guardduty/eventbridge-derived/sekoia-intake-formats__event_instance_network__UnauthorizedAccess_EC2_TorRelay.json');
    const [stagedFinding, liveFinding] = await harness.ingest([staged, live]);
    const handler = await harness.handler({ AWS_ENDPOINT_URL_SNS: harness.aws.url });
    // Act
    await harness.feed(await harness.records(), handler);
    const lines: string[] = [];
    await stagingReportCommand(['--table', harness.notificationsTable, '--endpoint', inject('dynamoEndpoint'), '--region', 'us-east-1', '--days', '1'], (l) => lines.push(l));
    // Assess: the live finding reached Slack; the staged one did not, anywhere
    const slackText = JSON.stringify(harness.slack.messages());
    expect(slackText).toContain('Tor');
    expect(slackText).not.toContain('PortProbe');
    expect(harness.aws.publishes().map((p) => JSON.parse(p.message).finding.id)).toEqual([liveFinding!.id]);
    const report = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const entries = report.slice(0, -1);
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((e) => e.findingId === stagedFinding!.id)).toBe(true);
    expect(JSON.stringify(entries.map((e) => e.wouldHaveSent))).toContain('Unprotected port');
    expect(report.at(-1)).toMatchObject({ staged: entries.length, days: 1 });
  });
});
