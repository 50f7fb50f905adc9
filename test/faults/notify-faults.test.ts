import { PublishCommand, SNSClient, ThrottledException, AuthorizationErrorException, InternalErrorException, type PublishCommandInput } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ingestStream } from '../support/events.js';
import { announceable, NotifierHarness, TOPIC_ARN } from '../support/notifier-harness.js';
import { report } from '../support/faults/accounting.js';
import { startResetProxy, type ResetProxy } from '../support/faults/reset-proxy.js';

const sns = mockClient(SNSClient);
const h = new NotifierHarness();
let proxy: ResetProxy;

/**
 * SNS failing as scripted (one entry per call, `undefined` = answer), then answering. With
 * `script`, per announced transition (`<findingId> <kind>`): findings are notified
 * concurrently, so only a transition's own calls take its failures.
 */
function scriptSns(failures: Array<Error | undefined>, script: Record<string, Array<Error | undefined>> = {}) {
  const calls: Array<{ input: PublishCommandInput; failed?: string }> = [];
  sns.reset();
  sns.on(PublishCommand).callsFake((input: PublishCommandInput) => {
    const failure = (script[announced(input)] ?? failures).shift();
    calls.push({ input, ...(failure ? { failed: failure.name } : {}) });
    if (failure) throw failure;
    return { MessageId: `msg-${calls.length}` };
  });
  return calls;
}

const throttled = () => new ThrottledException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
const internal = () => new InternalErrorException({ message: 'Internal error', $metadata: { httpStatusCode: 500 } });
const denied = () => new AuthorizationErrorException({ message: 'not authorized to perform SNS:Publish on the topic', $metadata: { httpStatusCode: 403 } });

const notificationId = (input: PublishCommandInput) => (JSON.parse(input.Message!) as { notificationId: string }).notificationId;
const announced = (input: PublishCommandInput) => {
  const body = JSON.parse(input.Message!) as { finding: { id: string }; transition: { kind: string } };
  return `${body.finding.id} ${body.transition.kind}`;
};

describe('faults: Slack and SNS failing and recovering', () => {
  beforeAll(async () => {
    await h.start();
  });
  afterAll(async () => {
    sns.restore();
    await proxy?.stop();
    await h.stop();
  });
  beforeEach(async () => {
    await h.reset();
    h.aws.reset();
    await proxy?.stop();
    // Slack's webhook behind a proxy that can reset connections.
    proxy = await startResetProxy(h.slack.url);
    h.aws.setSecret('vigil/slack/security', `${proxy.url}/webhook/security`);
  });

  it('an outage shorter than the retries: every transition delivered exactly once per channel after recovery', async () => {
    // Prepare: Slack resets two connections, answers 500 twice, 429 (Retry-After 1 s) and 503;
    // SNS throttles and fails internally for its first five calls
    const transitions = announceable(await h.ingest(ingestStream()));
    proxy.resetNext(2);
    h.slack.fail({ status: 500, count: 2, pathPrefix: '/webhook/' });
    h.slack.fail({ status: 429, count: 1, retryAfter: 1, pathPrefix: '/webhook/' });
    h.slack.fail({ status: 503, count: 1, pathPrefix: '/webhook/' });
    const calls = scriptSns([throttled(), internal(), throttled(), throttled(), internal()]);
    const handler = await h.handler();
    // Act
    const fed = await h.feed(await h.records(), handler);
    const own = await h.feed(await h.records(), handler);
    // Assess: Slack
    const statuses = h.slack.requests().map((r) => r.status);
    expect(fed.onFailure).toEqual([]);
    expect(own.onFailure).toEqual([]);
    expect(proxy.resets).toBe(2);
    expect(statuses.filter((s) => s !== 200)).toEqual([500, 500, 429, 503]);
    expect(h.slack.messages()).toHaveLength(transitions.length);
    // SNS: one successful publish per transition; each retry sent exactly the input that later succeeded
    const published = calls.filter((c) => !c.failed).map((c) => c.input);
    const failed = calls.filter((c) => c.failed);
    expect(failed.map((c) => c.failed)).toEqual(['ThrottledException', 'InternalErrorException', 'ThrottledException', 'ThrottledException', 'InternalErrorException']);
    expect(published.map(announced).sort()).toEqual(transitions.map((t) => `${t.id} ${t.transition}`).sort());
    expect(new Set(published.map(notificationId)).size).toBe(published.length);
    for (const attempt of failed) expect(published.find((p) => notificationId(p) === notificationId(attempt.input))).toEqual(attempt.input);
    for (const input of published) {
      const body = JSON.parse(input.Message!) as { finding: { severity: string }; transition: { kind: string } };
      expect(input).toMatchObject({ TopicArn: TOPIC_ARN, MessageAttributes: { transition: { DataType: 'String', StringValue: body.transition.kind }, severity: { DataType: 'String', StringValue: body.finding.severity } } });
      expect(input.Subject).toMatch(new RegExp(`^\\[${body.finding.severity}\\] `));
    }
    // The ledger: one final outcome per transition and channel, all sent
    const ledger = await h.ledger();
    expect(ledger).toHaveLength(transitions.length * 2);
    expect(new Set(ledger.map((i) => `${i.status}/${i.result}`))).toEqual(new Set(['DONE/sent']));
    expect(await h.deadLetters()).toEqual([]);
    report('slack-sns-outage-recovered', {
      transitions: transitions.length,
      streamInvocations: fed.invocations + own.invocations,
      slack: { connectionResets: proxy.resets, byStatus: countBy(statuses.map(String)), messages: h.slack.messages().length },
      sns: { failedCalls: failed.length, published: published.length },
      ledger: countBy(ledger.map((i) => `${String(i.channel).split(':')[0]} ${String(i.result)}`)),
    });
  });

  it('an outage longer than the retries: the failed deliveries are dead-lettered with their reason, the rest delivered once, a replay sends nothing', async () => {
    // Prepare: one transition meets nine resets on Slack and nine throttles on SNS (three
    // tries in each of three invocations); another meets a refused publish. Both are the
    // only transition of their finding, so no later one of the same finding waits on them.
    const transitions = announceable(await h.ingest(ingestStream()));
    const [first, second] = transitions.filter((t) => transitions.filter((u) => u.id === t.id).length === 1);
    proxy.resetNext(9, (body) => body.includes(first!.id));
    const calls = scriptSns([], { [`${first!.id} ${first!.transition}`]: Array.from({ length: 9 }, throttled), [`${second!.id} ${second!.transition}`]: [denied()] });
    const handler = await h.handler();
    // Act
    const records = await h.records();
    const fed = await h.feed(records, handler);
    const own = await h.feed(await h.records(), handler);
    // Assess: the dead letters, with their reason, detail and the exact payload
    const letters = await h.deadLetters();
    const snsLetters = letters.filter((l) => l.channel === 'sns');
    const slackLetters = letters.filter((l) => l.channel === 'slack:security');
    expect(fed.onFailure).toEqual([]);
    expect(own.onFailure).toEqual([]);
    expect(snsLetters.map((l) => [l.reason, l.attempts]).sort()).toEqual([
      ['retries-exhausted: sns-ThrottledException', 3],
      ['sns-AuthorizationErrorException', 1],
    ]);
    for (const letter of snsLetters) {
      expect(letter.detail).toMatch(/^SNS Publish failed: (ThrottledException|AuthorizationErrorException) \(HTTP (400|403)\)/);
      expect(calls.filter((c) => c.failed).map((c) => c.input)).toContainEqual(letter.payload);
    }
    expect(slackLetters).toHaveLength(1);
    expect(slackLetters[0]).toMatchObject({ team: 'security', attempts: 3 });
    expect(String(slackLetters[0]!.reason)).toMatch(/^retries-exhausted: slack-(ECONNRESET|UND_ERR_SOCKET)$/);
    expect(String(slackLetters[0]!.detail)).not.toContain(proxy.url);
    expect(proxy.resets).toBe(9);
    // Every other delivery was sent once; nothing is both sent and dead-lettered
    const published = calls.filter((c) => !c.failed).map((c) => c.input);
    const deadSns = new Set(snsLetters.map((l) => notificationId(l.payload as PublishCommandInput)));
    expect(published).toHaveLength(transitions.length - 2);
    expect(published.filter((p) => deadSns.has(notificationId(p)))).toEqual([]);
    expect(new Set(published.map(notificationId)).size).toBe(published.length);
    expect(h.slack.messages()).toHaveLength(transitions.length - 1);
    const ledger = await h.ledger();
    expect(ledger.filter((i) => i.status !== 'DONE')).toEqual([]);
    expect(ledger).toHaveLength(transitions.length * 2);
    // Act: everything recovered; the whole stream is replayed
    await h.feed([...records, ...(await h.records())], handler);
    // Assess: nothing new (dead letters are redriven by a person, not by a replay)
    expect(calls.filter((c) => !c.failed)).toHaveLength(published.length);
    expect(h.slack.messages()).toHaveLength(transitions.length - 1);
    report('slack-sns-outage-dead-lettered', {
      transitions: transitions.length,
      slack: { connectionResets: proxy.resets, messages: h.slack.messages().length, deadLettered: slackLetters.map((l) => String(l.reason)) },
      sns: { failedCalls: calls.filter((c) => c.failed).length, published: published.length, deadLettered: snsLetters.map((l) => String(l.reason)) },
      ledger: countBy(ledger.map((i) => `${String(i.channel).split(':')[0]} ${String(i.result)}`)),
    });
  });
});

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
