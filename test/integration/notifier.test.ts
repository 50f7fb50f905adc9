import { readFileSync } from 'node:fs';
import { PublishCommand, SNSClient, ThrottledException } from '@aws-sdk/client-sns';
import { Ajv } from 'ajv';
import type { DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadEvent, ingestStream } from '../support/events.js';
import { announceable, NotifierHarness, TEST_CONFIG } from '../support/notifier-harness.js';
import { lambdaContext } from '../support/sqs.js';
import { tableState } from '../support/table-state.js';

const sns = mockClient(SNSClient);
const h = new NotifierHarness();
const validate = new Ajv({ allErrors: true }).compile(JSON.parse(readFileSync('docs/notifications/sns-message.schema.json', 'utf8')));


const GD = 'deb45d88a09ba37415f4804a95d5da8a';

function publishes() {
  return sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
}

/**
 * The harness up for a describe block (started with `config`), and before each test an
 * empty ledger and tables and an SNS mock that accepts every Publish.
 */
function useNotifierHarness(config?: Parameters<NotifierHarness['start']>[0], after?: () => void) {
  beforeAll(async () => {
    await h.start(config);
  });
  afterAll(async () => {
    await h.stop();
    after?.();
  });
  beforeEach(async () => {
    await h.reset();
    sns.reset();
    sns.on(PublishCommand).callsFake(() => ({ MessageId: `msg-${sns.commandCalls(PublishCommand).length}` }));
  });
}

describe('notifier on DynamoDB Local, fed by the table’s real stream', () => {
  useNotifierHarness(undefined, () => sns.restore());

  it('announces each transition once on Slack and SNS, none for repeats, none on replay', async () => {
    // Prepare
    const outcomes = await h.ingest(ingestStream());
    const transitions = announceable(outcomes);
    const records = await h.records();
    const handler = await h.handler();
    // Act
    const first = await h.feed(records, handler);
    // Assess: one Slack message and one publish per transition
    expect(first.onFailure).toEqual([]);
    expect(transitions.length).toBeGreaterThan(10);
    expect(h.slack.messages()).toHaveLength(transitions.length);
    expect(publishes()).toHaveLength(transitions.length);
    const announced = publishes().map((p) => {
      const body = JSON.parse(p!.Message!);
      expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
      expect(p!.MessageAttributes).toEqual({
        team: { DataType: 'String', StringValue: body.routing.team },
        severity: { DataType: 'String', StringValue: body.finding.severity },
        source: { DataType: 'String', StringValue: body.finding.source },
        account: { DataType: 'String', StringValue: body.finding.account.id },
        transition: { DataType: 'String', StringValue: body.transition.kind },
      });
      return `${body.finding.id} ${body.transition.kind}`;
    });
    expect([...announced].sort()).toEqual(transitions.map((t) => `${t.id} ${t.transition}`).sort());
    // The re-published GuardDuty finding (a touch) made no message: opened, escalated, resolved.
    expect(announced.filter((a) => a.startsWith(GD))).toEqual([`${GD} OPENED`, `${GD} ESCALATED`, `${GD} RESOLVED`]);

    // Act: the notifier's own OPEN → NOTIFIED writes come back on the stream
    const own = await h.records();
    const second = await h.feed(own, handler);
    // Assess
    expect(own.length).toBeGreaterThan(0);
    expect(second.onFailure).toEqual([]);
    expect(h.slack.messages()).toHaveLength(transitions.length);
    expect(publishes()).toHaveLength(transitions.length);

    // Act: a replay of every stream record so far
    await h.feed([...records, ...own], handler);
    // Assess: nothing new
    expect(h.slack.messages()).toHaveLength(transitions.length);
    expect(publishes()).toHaveLength(transitions.length);
    // and the ledger holds exactly one outcome per transition and channel: all sent
    const ledger = await h.ledger();
    expect(ledger).toHaveLength(transitions.length * 2);
    expect(new Set(ledger.map((i) => `${i.status}/${i.result}`))).toEqual(new Set(['DONE/sent']));
    // Findings whose OPENED was announced and which did not move on are NOTIFIED, with a history entry.
    const items = await tableState(h.db, h.findingsTable);
    const findings = items.filter((i) => i.sk === 'F');
    expect(findings.filter((f) => f.status === 'OPEN')).toEqual([]);
    const notified = findings.filter((f) => f.status === 'NOTIFIED');
    expect(notified.length).toBeGreaterThan(5);
    for (const f of notified) {
      const history = items.filter((i) => i.pk === f.pk && String(i.sk).endsWith('#notified'));
      expect(history).toMatchObject([{ kind: 'notified', cause: 'notifier', from: { status: 'OPEN' }, to: { status: 'NOTIFIED' } }]);
    }
  });

  it('publishes exactly these SNS messages for one finding’s life', async () => {
    // Prepare
    await h.ingest(ingestStream());
    const handler = await h.handler();
    // Act
    await h.feed(await h.records(), handler);
    // Assess
    const mine = publishes().filter((p) => JSON.parse(p!.Message!).finding.id === GD);
    const title = 'API GeneratedFindingAPIName was invoked from a Tor exit node.';
    const attributes = (severity: string, transition: string) => ({
      team: { DataType: 'String', StringValue: 'security' },
      severity: { DataType: 'String', StringValue: severity },
      source: { DataType: 'String', StringValue: 'aws.guardduty' },
      account: { DataType: 'String', StringValue: '883606788610' },
      transition: { DataType: 'String', StringValue: transition },
    });
    const finding = (version: number, severity: string, status: string, lastSeen: string, count: number) => ({
      id: GD,
      source: 'aws.guardduty',
      rule: 'UnauthorizedAccess:IAMUser/TorIPCaller',
      title,
      severity,
      status,
      account: { id: '883606788610' },
      region: 'us-east-1',
      resource: { type: 'AccessKey', id: 'GeneratedFindingUserName' },
      firstSeen: '2017-12-08T15:32:49.862Z',
      lastSeen,
      count,
      reopenCount: 0,
      version,
      consoleUrl: 'https://us-east-1.console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?macros=current&fId=36b01b60fc22bb4edb19d62d9899e953',
      sample: true,
    });
    const routing = { team: 'security', routedBy: 'default', alsoNotify: [] };
    const TopicArn = 'arn:aws:sns:us-east-1:123456789012:vigil-FindingsTopic-LOCAL';
    expect(mine).toEqual([
      {
        TopicArn,
        Subject: `[MEDIUM] Opened: ${title}`,
        Message: JSON.stringify({
          schemaVersion: '1.0',
          type: 'vigil.finding.transition',
          notificationId: `${GD}#1`,
          transition: { kind: 'OPENED', at: '2017-12-08T15:32:49.862Z', from: null, to: { status: 'OPEN', severity: 'MEDIUM' } },
          finding: finding(1, 'MEDIUM', 'OPEN', '2017-12-08T15:32:49.862Z', 1),
          routing,
        }),
        MessageAttributes: attributes('MEDIUM', 'OPENED'),
      },
      {
        TopicArn,
        Subject: `[HIGH] Escalated: ${title}`,
        Message: JSON.stringify({
          schemaVersion: '1.0',
          type: 'vigil.finding.transition',
          notificationId: `${GD}#3`,
          transition: { kind: 'ESCALATED', at: '2017-12-09T03:32:49.862Z', from: { status: 'OPEN', severity: 'MEDIUM' }, to: { status: 'OPEN', severity: 'HIGH' } },
          finding: finding(3, 'HIGH', 'OPEN', '2017-12-09T03:32:49.862Z', 9),
          routing,
        }),
        MessageAttributes: attributes('HIGH', 'ESCALATED'),
      },
      {
        TopicArn,
        Subject: `[HIGH] Resolved: ${title}`,
        Message: JSON.stringify({
          schemaVersion: '1.0',
          type: 'vigil.finding.transition',
          notificationId: `${GD}#4`,
          transition: { kind: 'RESOLVED', at: '2017-12-10T03:32:49.862Z', from: { status: 'OPEN', severity: 'HIGH' }, to: { status: 'RESOLVED', severity: 'HIGH' } },
          finding: finding(4, 'HIGH', 'RESOLVED', '2017-12-10T03:32:49.862Z', 9),
          routing,
        }),
        MessageAttributes: attributes('HIGH', 'RESOLVED'),
      },
    ]);
  });
});

/** A single Config finding (one transition) and the GuardDuty finding's life (three). */
function smallStream(): unknown[] {
  return ingestStream().filter((e) => {
    const event = e as { id: string; source: string; detail: { id?: string } };
    return ['republished-1', 'escalated-1', 'archived-1'].includes(event.id) || event.detail.id === '36b01b60fc22bb4edb19d62d9899e953' || event.source === 'aws.config';
  });
}

describe('notifier faults: nothing lost, nothing twice', () => {
  useNotifierHarness();

  /** sent + dead-lettered + skipped (with a reason) per transition and channel, from the ledger. */
  async function accounting(transitions: number) {
    const ledger = await h.ledger();
    const count = (result: string) => ledger.filter((i) => i.status === 'DONE' && i.result === result).length;
    const skipped = ledger.filter((i) => i.status === 'DONE' && i.result === 'skipped' && typeof i.reason === 'string').length;
    expect(ledger.filter((i) => i.status !== 'DONE')).toEqual([]);
    expect(count('sent') + count('dead-lettered') + skipped).toBe(transitions * 2);
    return { sent: count('sent'), deadLettered: count('dead-lettered'), skipped };
  }

  it('Slack answering 429 with Retry-After, then 200: delivered once, after the wait', async () => {
    // Prepare
    const transitions = announceable(await h.ingest([loadEvent('corpus/config/eventbridge/nzism-remediation-lab__poc_queue_sample.json')]));
    h.slack.fail({ status: 429, count: 1, retryAfter: 1, pathPrefix: '/webhook/' });
    const handler = await h.handler();
    // Act
    const started = Date.now();
    await h.feed(await h.records(), handler);
    // Assess
    expect(transitions).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(h.slack.requests().map((r) => r.status)).toEqual([429, 200]);
    expect(h.slack.messages()).toHaveLength(1);
    expect(await accounting(1)).toEqual({ sent: 2, deadLettered: 0, skipped: 0 });
  });

  it('Slack down (500) for a while: the stream retries the record and it is delivered once after recovery', async () => {
    // Prepare: more failures than one invocation tries (3)
    const transitions = announceable(await h.ingest(smallStream()));
    h.slack.fail({ status: 500, count: 5, pathPrefix: '/webhook/' });
    const handler = await h.handler();
    // Act
    const fed = await h.feed(await h.records(), handler);
    // Assess
    expect(fed.invocations).toBeGreaterThan(2);
    expect(fed.onFailure).toEqual([]);
    expect(h.slack.messages()).toHaveLength(transitions.length);
    expect(publishes()).toHaveLength(transitions.length);
    expect(h.slack.requests().filter((r) => r.status === 500)).toHaveLength(5);
    expect(await accounting(transitions.length)).toEqual({ sent: transitions.length * 2, deadLettered: 0, skipped: 0 });
    // Messages kept the findings' order: OPENED before ESCALATED before RESOLVED.
    const gd = h.slack.messages().filter((m) => m.text.includes('Tor exit node')).map((m) => m.text.split(':')[0]);
    expect(gd).toEqual(['MEDIUM · New finding', 'HIGH · Escalated', 'HIGH · Resolved']);
  });

  it('Slack down for good: each message lands in the dead letters with its reason; SNS still delivers', async () => {
    // Prepare
    const transitions = announceable(await h.ingest(smallStream()));
    h.slack.fail({ status: 500, count: 10_000, pathPrefix: '/webhook/' });
    const handler = await h.handler();
    // Act
    const fed = await h.feed(await h.records(), handler);
    // Assess
    expect(fed.onFailure).toEqual([]);
    expect(h.slack.messages()).toEqual([]);
    expect(publishes()).toHaveLength(transitions.length);
    const letters = await h.deadLetters();
    expect(letters).toHaveLength(transitions.length);
    for (const letter of letters) {
      expect(letter).toMatchObject({ channel: 'slack:security', team: 'security', reason: 'retries-exhausted: slack-internal_error', attempts: 3, detail: 'Slack webhook of team security: HTTP 500 internal_error' });
      expect(JSON.stringify(letter)).not.toContain(h.slack.url);
      expect((letter.payload as { blocks: unknown[] }).blocks.length).toBeGreaterThan(0);
    }
    expect(await accounting(transitions.length)).toEqual({ sent: transitions.length, deadLettered: transitions.length, skipped: 0 });

    // Act: Slack recovers; a replay sends nothing again (dead letters are redriven by a person)
    h.slack.reset();
    await h.feed(await h.records(), handler);
    expect(h.slack.messages()).toEqual([]);
  });

  it('SNS throttling is retried and published once', async () => {
    // Prepare
    announceable(await h.ingest([loadEvent('corpus/config/eventbridge/nzism-remediation-lab__poc_queue_sample.json')]));
    sns.reset();
    sns
      .on(PublishCommand)
      .rejectsOnce(new ThrottledException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }))
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }))
      .resolves({ MessageId: 'published' });
    const handler = await h.handler();
    // Act
    await h.feed(await h.records(), handler);
    // Assess
    expect(sns.commandCalls(PublishCommand)).toHaveLength(3);
    const ledger = await h.ledger();
    expect(ledger.find((i) => i.channel === 'sns')).toMatchObject({ result: 'sent', ref: 'published' });
    expect(h.slack.messages()).toHaveLength(1);
  });

  it('intermittent failures on both channels over the whole stream: every transition accounted for, none twice', async () => {
    // Prepare
    const transitions = announceable(await h.ingest(ingestStream()));
    h.slack.fail({ status: 500, count: 4, pathPrefix: '/webhook/' });
    h.slack.fail({ status: 429, count: 2, retryAfter: 0, pathPrefix: '/webhook/' });
    let publish = 0;
    sns.reset();
    sns.on(PublishCommand).callsFake(() => {
      publish++;
      if (publish % 5 === 0) throw new ThrottledException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
      return { MessageId: `msg-${publish}` };
    });
    const handler = await h.handler();
    // Act
    await h.feed(await h.records(), handler);
    await h.feed(await h.records(), handler);
    // Assess
    expect(h.slack.messages()).toHaveLength(transitions.length);
    const ids = h.slack.messages().map((m) => m.text);
    expect(new Set(ids).size).toBe(ids.length);
    expect(await accounting(transitions.length)).toEqual({ sent: transitions.length * 2, deadLettered: 0, skipped: 0 });
  });
});

/** The test teams, with one account owned by payments (bot mode: chat.postMessage to #sec-payments). */
const PAYMENTS_ACCOUNT = '222200000002';
const SECURITY_ACCOUNT = '111100000001';
const TWO_TEAMS_CONFIG = `${TEST_CONFIG}ownership:\n  accounts:\n    '${PAYMENTS_ACCOUNT}': payments\n`;

type GuardDutyEvent = { id: string; detail: { id: string; accountId: string; updatedAt: string; severity: number; service: { count: number; archived?: boolean } } };

/** A new GuardDuty finding in `accountId`, as the corpus event says it: opened, escalated, archived (resolved). */
function guardDutyLife(findingId: string, accountId: string): { opened: GuardDutyEvent; escalated: GuardDutyEvent; resolved: GuardDutyEvent } {
  const opened = structuredClone(loadEvent('corpus/guardduty/eventbridge/cloud-custodian__iam-duty-event.json')) as GuardDutyEvent;
  opened.id = `${findingId}-opened`;
  opened.detail.id = findingId;
  opened.detail.accountId = accountId;
  const escalated = structuredClone(opened);
  escalated.id = `${findingId}-escalated`;
  escalated.detail.updatedAt = '2017-12-09T03:32:49.862Z';
  escalated.detail.severity = 8;
  escalated.detail.service.count = 9;
  const resolved = structuredClone(escalated);
  resolved.id = `${findingId}-resolved`;
  resolved.detail.updatedAt = '2017-12-10T03:32:49.862Z';
  resolved.detail.service.archived = true;
  return { opened, escalated, resolved };
}

const pk = (record: DynamoDBRecord) => record.dynamodb?.Keys?.pk?.S;
const sequence = (record: DynamoDBRecord) => record.dynamodb!.SequenceNumber!;
/** The finding a Slack message is about (its context line names it). */
const findingOf = (blocks: unknown[]) => /finding `([^`]+)`/.exec(JSON.stringify(blocks))?.[1];

describe('notifier: findings side by side, each one in order', () => {
  useNotifierHarness(TWO_TEAMS_CONFIG);

  /** One invocation of the handler with these records as its batch, as Lambda makes it. */
  async function invoke(records: DynamoDBRecord[]) {
    const handler = await h.handler();
    return { handler, response: await handler({ Records: records }, lambdaContext('vigil-notifier')) };
  }

  it('one team’s channel waiting out a 429 does not hold back another team’s message in the same batch', async () => {
    // Prepare: finding A (security, webhook) is first in the stream, B (payments, bot) after it;
    // security's webhook answers 429 with Retry-After 1 s once
    const [a, b] = await h.ingest([guardDutyLife('a'.repeat(32), SECURITY_ACCOUNT).opened, guardDutyLife('b'.repeat(32), PAYMENTS_ACCOUNT).opened]);
    const records = await h.records();
    h.slack.fail({ status: 429, count: 1, retryAfter: 1, pathPrefix: '/webhook/security' });
    // Act
    const { response } = await invoke(records);
    // Assess: both delivered in the one invocation
    expect(response.batchItemFailures).toEqual([]);
    expect(records.findIndex((r) => pk(r) === `F#${a!.id}`)).toBeLessThan(records.findIndex((r) => pk(r) === `F#${b!.id}`));
    // B's message reached Slack before A's was let through: B did not wait behind A's Retry-After
    const requests = h.slack.requests().map((r) => `${r.path} ${r.status}`);
    expect(requests.filter((r) => r.startsWith('/webhook/security'))).toEqual(['/webhook/security 429', '/webhook/security 200']);
    expect(requests.indexOf('/api/chat.postMessage 200')).toBeGreaterThanOrEqual(0);
    expect(requests.indexOf('/api/chat.postMessage 200')).toBeLessThan(requests.indexOf('/webhook/security 200'));
    expect(h.slack.messages().map((m) => findingOf(m.blocks))).toEqual([b!.id, a!.id]);
    expect(publishes()).toHaveLength(2);
  });

  /** A opened and escalated, then B opened; A's OPENED meets Slack down for all three tries of the invocation. */
  async function partialFailure() {
    const life = guardDutyLife('c'.repeat(32), SECURITY_ACCOUNT);
    const [a, , b] = await h.ingest([life.opened, life.escalated, guardDutyLife('d'.repeat(32), PAYMENTS_ACCOUNT).opened]);
    const records = await h.records();
    h.slack.fail({ status: 500, count: 3, pathPrefix: '/webhook/security' });
    const { handler, response } = await invoke(records);
    return { a: a!, b: b!, records, handler, failed: new Set(response.batchItemFailures.map((f) => f.itemIdentifier)) };
  }

  it('a failed record holds back its own finding’s later records, not another finding’s', async () => {
    // Prepare, Act
    const { a, b, records, failed } = await partialFailure();
    // Assess: reported are A's OPENED and every later record of A (its ESCALATED among them), nothing of B
    const opened = records.findIndex((r) => pk(r) === `F#${a.id}` && r.dynamodb?.Keys?.sk?.S === 'F');
    const escalated = records.findLastIndex((r) => pk(r) === `F#${a.id}` && r.dynamodb?.Keys?.sk?.S === 'F');
    expect(escalated).toBeGreaterThan(opened);
    expect([...failed].sort()).toEqual(records.filter((r, i) => i >= opened && pk(r) === `F#${a.id}`).map(sequence).sort());
    expect(records.findIndex((r) => pk(r) === `F#${b.id}`)).toBeGreaterThan(escalated);
    // B was announced on both channels in this invocation; A only on SNS (its OPENED, before Slack failed)
    expect(h.slack.messages().map((m) => findingOf(m.blocks))).toEqual([b.id]);
    expect(publishes().map((p) => JSON.parse(p!.Message!) as { finding: { id: string }; transition: { kind: string } }).map((m) => `${m.finding.id} ${m.transition.kind}`).sort()).toEqual([`${a.id} OPENED`, `${b.id} OPENED`].sort());
    expect(h.slack.requests().filter((r) => r.path === '/webhook/security').map((r) => r.status)).toEqual([500, 500, 500]);
  });

  it('redelivered from the failed record, as Lambda does: A’s messages go out in order, and what already went out is not sent again', async () => {
    // Prepare
    const { a, b, records, handler, failed } = await partialFailure();
    const checkpoint = records.findIndex((r) => failed.has(sequence(r)));
    // Act: the batch again from the lowest failed sequence number (B's record, already notified, among them)
    const redelivered = records.slice(checkpoint);
    const response = await handler({ Records: redelivered }, lambdaContext('vigil-notifier'));
    // Assess
    expect(redelivered.some((r) => pk(r) === `F#${b.id}`)).toBe(true);
    expect(response.batchItemFailures).toEqual([]);
    const messages = h.slack.messages().map((m) => `${findingOf(m.blocks)} ${m.text.split(':')[0]}`);
    expect(messages).toEqual([`${b.id} MEDIUM · New finding`, `${a.id} MEDIUM · New finding`, `${a.id} HIGH · Escalated`]);
    const announced = publishes().map((p) => JSON.parse(p!.Message!) as { finding: { id: string }; transition: { kind: string } }).map((m) => `${m.finding.id} ${m.transition.kind}`);
    expect(announced.sort()).toEqual([`${a.id} ESCALATED`, `${a.id} OPENED`, `${b.id} OPENED`].sort());
    const ledger = await h.ledger();
    expect(ledger).toHaveLength(6);
    expect(new Set(ledger.map((i) => `${i.status}/${i.result}`))).toEqual(new Set(['DONE/sent']));
  });

  it('keeps each finding’s order (OPENED, ESCALATED, RESOLVED) while findings are notified concurrently', async () => {
    // Prepare: four findings' lives; an OPENED takes SNS 200 ms, the later changes none,
    // so a later change that did not wait for its OPENED would overtake it
    const ids = ['1', '2', '3', '4'].map((c) => c.repeat(32));
    const lives = ids.map((id, i) => guardDutyLife(id, i % 2 ? PAYMENTS_ACCOUNT : SECURITY_ACCOUNT));
    const outcomes = await h.ingest(lives.flatMap((l) => [l.opened, l.escalated, l.resolved]));
    let inFlight = 0;
    let mostInFlight = 0;
    sns.reset();
    sns.on(PublishCommand).callsFake(async (input: { Message: string }) => {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      if ((JSON.parse(input.Message) as { transition: { kind: string } }).transition.kind === 'OPENED') await new Promise((r) => setTimeout(r, 200));
      inFlight--;
      return { MessageId: `msg-${sns.commandCalls(PublishCommand).length}` };
    });
    const records = await h.records();
    // Act
    const { response } = await invoke(records);
    // Assess: findings were announced side by side
    expect(response.batchItemFailures).toEqual([]);
    expect(mostInFlight).toBeGreaterThan(1);
    // and each one's messages in the order of its changes, on SNS and on Slack
    const kinds = (finding: string) => publishes().map((p) => JSON.parse(p!.Message!) as { finding: { id: string }; transition: { kind: string } }).filter((m) => m.finding.id === finding).map((m) => m.transition.kind);
    const findings = [...new Set(outcomes.map((o) => o.id))];
    expect(findings).toHaveLength(4);
    for (const finding of findings) expect(kinds(finding)).toEqual(['OPENED', 'ESCALATED', 'RESOLVED']);
    const security = findings.filter((f) => outcomes.find((o) => o.id === f)!.team === 'security');
    expect(security).toHaveLength(2);
    for (const finding of security) {
      expect(h.slack.messages().filter((m) => findingOf(m.blocks) === finding).map((m) => m.text.split(':')[0])).toEqual(['MEDIUM · New finding', 'HIGH · Escalated', 'HIGH · Resolved']);
    }
  });
});

describe('local runtime pieces: npm start’s notifications', () => {
  it('starts Slack and the SNS sink from the configuration and feeds the notifier from the table stream', async () => {
    // Prepare
    const { startLocalNotifications, pollTableStream } = await import('../../cli/local/notifications.js');
    const { localClient } = await import('../support/tables.js');
    const { lambdaContext } = await import('../support/sqs.js');
    const { inject } = await import('vitest');
    sns.restore(); // the real SNS client, against the sink
    await h.start();
    await h.reset();
    const local = await startLocalNotifications({ config: h.config, region: 'us-east-1', accountId: '123456789012' });
    const handler = await h.handler({ ...local.env, AWS_ENDPOINT_URL_SNS: local.aws.url });
    const poller = pollTableStream({ dynamodb: localClient(), endpoint: inject('dynamoEndpoint'), tableName: h.findingsTable, handler, context: () => lambdaContext('vigil-notifier'), intervalMs: 50 });
    try {
      // Act
      const transitions = announceable(await h.ingest([loadEvent('corpus/config/eventbridge/nzism-remediation-lab__poc_queue_sample.json')]));
      await poller.drain();
      // Assess
      expect(transitions).toHaveLength(1);
      expect(local.slack.messages()).toHaveLength(1);
      expect(local.aws.publishes()).toMatchObject([{ topicArn: local.topicArn, attributes: { transition: { dataType: 'String', value: 'OPENED' }, team: { value: 'security' } } }]);
      expect(validate(JSON.parse(local.aws.publishes()[0]!.message))).toBe(true);
      // The notifier's OPEN → NOTIFIED came back on the stream and announced nothing.
      expect(poller.stats.records).toBeGreaterThan(3);
    } finally {
      await poller.stop();
      await local.stop();
      await h.stop();
    }
  });
});
