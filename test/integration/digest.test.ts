import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusEvents } from '../support/events.js';
import { loadFunction, NotifierHarness } from '../support/notifier-harness.js';
import { lambdaContext } from '../support/sqs.js';
import { tableState } from '../support/table-state.js';

const sns = mockClient(SNSClient);
const h = new NotifierHarness();
type DigestHandler = (event: { schedule: string }, context: unknown) => Promise<{ outcomes: Array<{ team: string; result: string; findings: number }> }>;

/** security hears HIGH and above one by one, the rest in a daily digest. */
const CONFIG = `
defaultTeam: security
teams:
  security:
    slack: { channel: '#sec-alerts', webhookSecretName: vigil/slack/security }
    minSeverity: HIGH
    digest: daily
  payments:
    slack: { channel: '#sec-payments', webhookSecretName: vigil/slack/payments }
    digest: weekly
`;

describe('digest: one message per team with what nobody was told one by one', () => {
  beforeAll(async () => {
    await h.start(CONFIG);
    await h.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
  });
  afterAll(async () => {
    await h.stop();
    sns.restore();
  });

  it('lists the team’s open findings below its severity, queried from the byTeam index, once per day', async () => {
    // Prepare: the corpus, announced as configured (HIGH and above one by one)
    await h.ingest([...corpusEvents('config'), ...corpusEvents('guardduty')].map((e) => e.event));
    await h.feed(await h.records(), await h.handler());
    const individually = h.slack.messages().length;
    const findings = (await tableState(h.db, h.findingsTable)).filter((i) => i.sk === 'F');
    const open = findings.filter((f) => f.status === 'OPEN');
    expect(open.length).toBeGreaterThan(0);
    expect(open.every((f) => ['INFORMATIONAL', 'LOW', 'MEDIUM'].includes(String(f.severity)))).toBe(true);
    const digest = await loadFunction<DigestHandler>(h, '../../functions/digest/handler.js');

    // Act
    const result = await digest({ schedule: 'daily' }, lambdaContext('vigil-digest'));
    // Assess
    expect(result.outcomes).toEqual([{ team: 'security', result: 'sent', findings: open.length }]);
    const messages = h.slack.messages().slice(individually);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ team: 'security', text: `Daily digest for security: ${open.length} open findings` });
    for (const f of open.slice(0, 10)) expect(JSON.stringify(messages[0]!.blocks)).toContain(String(f.title).slice(0, 40));

    // Act: the schedule fires again the same day (a retry)
    const again = await digest({ schedule: 'daily' }, lambdaContext('vigil-digest'));
    // Assess
    expect(again.outcomes).toEqual([{ team: 'security', result: 'duplicate', findings: open.length }]);
    expect(h.slack.messages()).toHaveLength(individually + 1);
    // payments is weekly and owns nothing
    expect((await digest({ schedule: 'weekly' }, lambdaContext('vigil-digest'))).outcomes).toEqual([{ team: 'payments', result: 'empty', findings: 0 }]);
  });
});
