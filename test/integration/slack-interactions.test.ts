import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoFindingActions } from '../../functions/shared/adapters/finding-action-store.js';
import { actOnFinding, decideAction, parseSuppress, type ActionRequest } from '../../functions/shared/core/query/actions.js';
import { ActionConflictError, InvalidParameterError } from '../../functions/shared/core/query/errors.js';
import { slackSignature } from '../../functions/shared/core/notify/slack-signature.js';
import { loadEvent } from '../support/events.js';
import { loadFunction, NotifierHarness } from '../support/notifier-harness.js';
import { lambdaContext } from '../support/sqs.js';

const sns = mockClient(SNSClient);
const h = new NotifierHarness();
type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** payments works in bot mode (no webhook): buttons, threads, updates. */
const CONFIG = `
defaultTeam: payments
teams:
  payments:
    slack: { channel: '#sec-payments' }
    minSeverity: LOW
`;

const GD = 'deb45d88a09ba37415f4804a95d5da8a';
const USER = 'U024BE7LH';

function gdEvents() {
  const open = structuredClone(loadEvent('corpus/guardduty/eventbridge/cloud-custodian__iam-duty-event.json')) as { id: string; detail: { updatedAt: string; service: { archived?: boolean; count: number } } };
  const archived = structuredClone(open);
  archived.id = 'archived-1';
  archived.detail.updatedAt = '2017-12-10T03:32:49.862Z';
  archived.detail.service.archived = true;
  return { open, archived };
}

/** A request as API Gateway (payload 2.0) hands it over, signed as Slack signs it. */
function slackRequest(payload: object, options: { secret?: string; at?: number } = {}): APIGatewayProxyEventV2 {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = String(Math.floor((options.at ?? Date.now()) / 1000));
  return {
    version: '2.0',
    routeKey: 'POST /slack/interactions',
    rawPath: '/slack/interactions',
    rawQueryString: '',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': slackSignature(options.secret ?? 'local-signing-secret', timestamp, body),
    },
    body: Buffer.from(body).toString('base64'),
    isBase64Encoded: true,
    requestContext: {} as APIGatewayProxyEventV2['requestContext'],
  };
}

const button = (action_id: string, ref: { channel: string; ts: string }) => ({
  type: 'block_actions',
  user: { id: USER, username: 'ana' },
  trigger_id: '13345224609.738474920.8088930838d88f008e0',
  container: { type: 'message', channel_id: ref.channel, message_ts: ref.ts },
  actions: [{ action_id, value: GD, type: 'button' }],
});

async function finding() {
  const out = await h.db.send(new QueryCommand({ TableName: h.findingsTable, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `F#${GD}` }, ConsistentRead: true }));
  const items = out.Items ?? [];
  return { item: items.find((i) => i.sk === 'F')!, history: items.filter((i) => String(i.sk).startsWith('H#')) };
}

describe('Slack bot mode: buttons, modals and threads, end to end on DynamoDB Local', () => {
  let notifier: Awaited<ReturnType<NotifierHarness['handler']>>;
  let interactions: HttpHandler;

  beforeAll(async () => {
    await h.start(CONFIG);
  });
  afterAll(async () => {
    await h.stop();
    sns.restore();
  });
  beforeEach(async () => {
    await h.reset();
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    notifier = await h.handler();
    interactions = await loadFunction<HttpHandler>(h, '../../functions/slack-interactions/handler.js');
    notifier = await h.handler();
  });

  it('posts with buttons; Acknowledge and Suppress (with a reason) change the finding and the message; the resolution replies in the thread', async () => {
    // Prepare: the finding opens and is announced with buttons
    const { open, archived } = gdEvents();
    await h.ingest([open]);
    await h.feed(await h.records(), notifier);
    const [posted] = h.slack.messages();
    expect(posted).toMatchObject({ via: 'api', channel: '#sec-payments' });
    expect(JSON.stringify(posted!.blocks)).toContain('vigil.acknowledge');
    const ref = { channel: posted!.channel, ts: posted!.ts };

    // Act: Acknowledge
    const ack = await interactions(slackRequest(button('vigil.acknowledge', ref)), lambdaContext('vigil-slack'));
    // Assess
    expect(ack.statusCode).toBe(200);
    let state = await finding();
    expect(state.item).toMatchObject({ status: 'ACKNOWLEDGED', statusBy: `slack:${USER}`, statusReason: 'Acknowledged in Slack' });
    expect(state.history.find((e) => e.kind === 'acknowledged')).toMatchObject({ cause: 'slack', actor: `slack:${USER}`, from: { status: 'NOTIFIED' }, to: { status: 'ACKNOWLEDGED' } });
    expect(JSON.stringify(h.slack.messages()[0]!.blocks)).toContain(`:eyes: Acknowledged by <@${USER}>`);

    // Act: Suppress 7 days opens a modal; without a reason the modal says so
    const open7 = await interactions(slackRequest(button('vigil.suppress.7d', ref)), lambdaContext('vigil-slack'));
    expect(open7.statusCode).toBe(200);
    const [modal] = h.slack.views() as Array<{ view: { callback_id: string; private_metadata: string } }>;
    expect(modal!.view.callback_id).toBe('vigil.suppress');
    const submit = (reason: string) => ({
      type: 'view_submission',
      user: { id: USER },
      view: { callback_id: 'vigil.suppress', private_metadata: modal!.view.private_metadata, state: { values: { reason: { reason: { type: 'plain_text_input', value: reason } } } } },
    });
    const refused = await interactions(slackRequest(submit('')), lambdaContext('vigil-slack'));
    expect(JSON.parse(refused.body!)).toMatchObject({ response_action: 'errors', errors: { reason: expect.stringMatching(/at least 3/) } });
    const accepted = await interactions(slackRequest(submit('known test account, closed on Friday')), lambdaContext('vigil-slack'));
    expect(accepted).toEqual({ statusCode: 200, body: '' });
    state = await finding();
    expect(state.item).toMatchObject({ status: 'SUPPRESSED', statusReason: 'known test account, closed on Friday', statusBy: `slack:${USER}` });
    expect(Date.parse(String(state.item.suppressedUntil)) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);

    // Act: the notifier hears of the suppression and, later, of the resolution
    await h.feed(await h.records(), notifier);
    await h.ingest([archived]);
    await h.feed(await h.records(), notifier);
    // Assess: SNS has every transition; Slack has the original (updated) and two replies in its thread
    expect(sns.commandCalls(PublishCommand).map((c) => JSON.parse(c.args[0].input.Message!).transition.kind)).toEqual(['OPENED', 'SUPPRESSED', 'RESOLVED']);
    const messages = h.slack.messages();
    expect(messages).toHaveLength(3);
    expect(messages.slice(1).map((m) => m.threadTs)).toEqual([ref.ts, ref.ts]);
    expect(messages[1]!.text).toMatch(/^Suppressed/);
    expect(messages[2]!.text).toMatch(/^Resolved/);
    expect(messages[0]!.edits.length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(messages[0]!.blocks)).not.toContain('vigil.acknowledge');
  });

  it('refuses requests Slack did not sign, or signed too long ago', async () => {
    const payload = button('vigil.acknowledge', { channel: '#sec-payments', ts: '1.2' });
    const forged = await interactions(slackRequest(payload, { secret: 'guess' }), lambdaContext('vigil-slack'));
    const stale = await interactions(slackRequest(payload, { at: Date.now() - 6 * 60_000 }), lambdaContext('vigil-slack'));
    expect([forged.statusCode, JSON.parse(forged.body!).error]).toEqual([401, 'bad-signature']);
    expect([stale.statusCode, JSON.parse(stale.body!).error]).toEqual([401, 'stale-timestamp']);
  });
});

describe('people’s actions: one writer for Slack and the HTTP API', () => {
  beforeAll(async () => {
    await h.start(CONFIG);
  });
  afterAll(async () => h.stop());
  beforeEach(async () => h.reset());

  const act = (request: ActionRequest, actor: string, via: 'api' | 'slack' = 'api') =>
    actOnFinding(new DynamoFindingActions({ tableName: h.findingsTable, client: h.db }), GD, (state) => decideAction(state, request, actor, new Date(), via));

  it('records who did what and why, conditional on the version, and refuses what does not apply', async () => {
    // Prepare
    const { open, archived } = gdEvents();
    await h.ingest([open]);
    // Act
    const assigned = await act({ kind: 'assign', assignee: 'alice@example.com', reason: 'on call this week' }, 'api:bob@example.com');
    // Assess
    expect(assigned).toMatchObject({ changed: true, decision: { status: 'OPEN', expectedVersion: 1, set: { assignee: 'alice@example.com' } } });
    let state = await finding();
    expect(state.item).toMatchObject({ status: 'OPEN', assignee: 'alice@example.com', version: 2, statusReason: 'on call this week' });
    expect(state.history.find((e) => e.kind === 'assigned')).toMatchObject({ cause: 'api', actor: 'api:bob@example.com', reason: 'on call this week', assignee: 'alice@example.com' });
    // The same assignee again writes nothing.
    expect(await act({ kind: 'assign', assignee: 'alice@example.com' }, 'slack:U1', 'slack')).toMatchObject({ changed: false });
    expect(() => parseSuppress({ reason: '', until: '2099-01-01T00:00:00Z' }, new Date())).toThrow(InvalidParameterError);
    // Acknowledging a suppressed finding ends the suppression, from Slack as from the API.
    await act(parseSuppress({ reason: 'accepted until the migration', until: new Date(Date.now() + 86_400_000).toISOString() }, new Date()), 'slack:U1', 'slack');
    expect((await finding()).item).toMatchObject({ status: 'SUPPRESSED', suppressedBy: 'slack:U1', gsi3pk: expect.stringMatching(/^SUP#/) });
    await act({ kind: 'acknowledge', reason: 'Acknowledged in Slack' }, 'slack:U2', 'slack');
    state = await finding();
    expect(state.item).toMatchObject({ status: 'ACKNOWLEDGED', statusBy: 'slack:U2', assignee: 'alice@example.com' });
    expect(state.item).not.toHaveProperty('suppressedUntil');
    expect(state.item).not.toHaveProperty('gsi3pk');
    expect(state.history.filter((e) => e.cause === 'slack').map((e) => e.kind).sort()).toEqual(['acknowledged', 'suppressed']);
    // Ingest keeps what people set when it writes the finding again.
    await h.ingest([archived]);
    expect((await finding()).item).toMatchObject({ status: 'RESOLVED', assignee: 'alice@example.com' });
    await expect(act({ kind: 'acknowledge', reason: 'too late' }, 'api:bob')).rejects.toThrow(ActionConflictError);
  });
});
