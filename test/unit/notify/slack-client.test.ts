import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../cli/local/dynamodb-local.js';
import { startSlackServer, type LocalSlackServer } from '../../../cli/local/slack-server.js';
import { ChannelLimiter, SlackClient } from '../../../functions/shared/adapters/notify/slack-client.js';
import { SecretUnavailableError, type SecretSource } from '../../../functions/shared/adapters/notify/secrets.js';
import { DeliveryError } from '../../../functions/shared/core/notify/delivery.js';
import { findingMessage } from '../../../functions/shared/core/notify/slack-blocks.js';
import { event } from '../../support/notify-fakes.js';

let server: LocalSlackServer;
const message = findingMessage(event('OPENED'), { consoleUrl: 'https://console.aws.amazon.com', interactive: true });

function secrets(values: Record<string, string>): SecretSource & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    get: async (name) => {
      reads.push(name);
      if (!(name in values)) throw new SecretUnavailableError(name, 'ResourceNotFoundException', false);
      return values[name]!;
    },
  };
}

function client(extra: Partial<ConstructorParameters<typeof SlackClient>[0]> = {}) {
  return new SlackClient({
    secrets: secrets({ 'vigil/slack/payments': server.webhookUrl('payments'), 'vigil/slack/bot': JSON.stringify({ botToken: 'xoxb-local', signingSecret: 's3cret' }) }),
    botSecretName: 'vigil/slack/bot',
    apiUrl: server.apiUrl,
    minIntervalMs: 0,
    ...extra,
  });
}

const webhook = { mode: 'webhook' as const, team: 'payments', channel: '#sec-payments', secretName: 'vigil/slack/payments' };
const bot = { mode: 'bot' as const, team: 'payments', channel: '#sec-payments' };

async function failure(promise: Promise<unknown>): Promise<DeliveryError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DeliveryError) return error;
    throw error;
  }
  throw new Error('expected a DeliveryError');
}

describe('adapter: Slack over HTTP (against the local Slack server)', () => {
  beforeAll(async () => {
    server = await startSlackServer({ botToken: 'xoxb-local' });
  });
  afterAll(async () => server.stop());
  beforeEach(() => server.reset());

  it('posts to a team’s incoming webhook, whose URL comes from its secret', async () => {
    await client().post(webhook, message);
    expect(server.messages()).toMatchObject([{ via: 'webhook', team: 'payments', text: message.text, blocks: message.blocks }]);
  });

  it('posts with the bot token, updates the message and replies in its thread', async () => {
    const slack = client();
    const { ref } = await slack.post(bot, message);
    await slack.update(ref!, { ...message, text: 'updated', blocks: [] });
    await slack.post(bot, { text: 'resolved', blocks: [] }, ref!.ts);
    const [original, reply] = server.messages();
    expect(original).toMatchObject({ channel: '#sec-payments', ts: ref!.ts, text: 'updated', edits: [{ text: message.text }] });
    expect(reply).toMatchObject({ threadTs: ref!.ts, text: 'resolved' });
  });

  it('HTTP 429 carries Retry-After, and the channel is held back for it', async () => {
    server.fail({ status: 429, count: 1, retryAfter: 2 });
    const error = await failure(client().post(webhook, message));
    expect(error).toMatchObject({ reason: 'slack-rate-limited', retryable: true, retryAfterMs: 2000 });
  });

  it('HTTP 500 is retryable; Slack’s refusals are not; neither names the webhook URL', async () => {
    server.fail({ status: 500, count: 1 });
    const e500 = await failure(client().post(webhook, message));
    expect(e500).toMatchObject({ reason: 'slack-internal_error', retryable: true });
    const notFound = await failure(client().post({ ...bot, channel: '#does-not-exist' }, message));
    expect(notFound).toMatchObject({ reason: 'slack-channel_not_found', retryable: false });
    const badToken = new SlackClient({ secrets: secrets({ 'vigil/slack/bot': '{"botToken":"xoxb-wrong"}' }), botSecretName: 'vigil/slack/bot', apiUrl: server.apiUrl, minIntervalMs: 0 });
    expect(await failure(badToken.post(bot, message))).toMatchObject({ reason: 'slack-invalid_auth', retryable: false });
    expect(`${e500.message} ${notFound.message}`).not.toContain(server.url);
  });

  it('a missing secret is permanent and named; a network failure is retryable and names no URL', async () => {
    expect(await failure(client().post({ ...webhook, secretName: 'vigil/slack/nope' }, message))).toMatchObject({ reason: 'slack-webhook-secret-ResourceNotFoundException', retryable: false });
    const down = new SlackClient({ secrets: secrets({ hook: `http://127.0.0.1:${await freePort()}/webhook/secret-path` }), minIntervalMs: 0 });
    const error = await failure(down.post({ ...webhook, secretName: 'hook' }, message));
    expect(error).toMatchObject({ reason: 'slack-ECONNREFUSED', retryable: true });
    expect(error.message).not.toContain('secret-path');
  });

  it('spaces messages to one channel a second apart, other channels not', async () => {
    // Prepare: a clock that sleeps advance
    let now = 1_000_000;
    const waits: number[] = [];
    const limiter = new ChannelLimiter(1000, async (ms) => void (waits.push(ms), (now += ms)), () => now);
    // Act
    await limiter.wait('#a');
    await limiter.wait('#a');
    await limiter.wait('#b');
    await limiter.wait('#a');
    limiter.holdFor('#b', 5000);
    await limiter.wait('#b');
    // Assess
    expect(waits).toEqual([1000, 1000, 5000]);
  });

  it('findings notified at once: one channel’s messages a second apart in call order, another channel not delayed', async () => {
    // Prepare: a clock that stands still while everyone waits
    const sleeps: number[] = [];
    const limiter = new ChannelLimiter(1000, async (ms) => void sleeps.push(ms), () => 1_000_000);
    // Act
    await Promise.all([limiter.wait('#a'), limiter.wait('#a'), limiter.wait('#b'), limiter.wait('#a'), limiter.wait('#b')]);
    // Assess: #a's second and third wait one and two seconds, #b's first not at all, its second one second
    expect(sleeps).toEqual([1000, 2000, 1000]);
  });

  it('the local server refuses a second message within a second when told to, and the limiter keeps clear of it', async () => {
    const strict = await startSlackServer({ enforceRateLimitMs: 900 });
    try {
      const slack = new SlackClient({ secrets: secrets({ hook: strict.webhookUrl('payments') }), minIntervalMs: 1000 });
      for (let i = 0; i < 3; i++) await slack.post({ ...webhook, secretName: 'hook' }, message);
      expect(strict.requests().map((r) => r.status)).toEqual([200, 200, 200]);
    } finally {
      await strict.stop();
    }
  });

  it('renders what it received as a person reads it, and lists it as JSON', async () => {
    await client().post(bot, message);
    const page = await (await fetch(`${server.url}/`)).text();
    expect(page).toContain('<b>HIGH</b>');
    expect(page).toContain('<button class="primary" title="vigil.acknowledge">Acknowledge</button>');
    expect(page).toContain('<code>i-0abc1234def567890</code>');
    const listing = (await (await fetch(`${server.url}/messages`)).json()) as { messages: unknown[] };
    expect(listing.messages).toHaveLength(1);
  });

  it('can be told to fail through its admin endpoint', async () => {
    const response = await fetch(`${server.url}/admin/faults`, { method: 'POST', body: JSON.stringify({ status: 500, count: 2, pathPrefix: '/webhook/' }) });
    expect(response.status).toBe(200);
    expect((await failure(client().post(webhook, message))).reason).toBe('slack-internal_error');
    expect((await failure(client().post(webhook, message))).reason).toBe('slack-internal_error');
    await client().post(webhook, message);
    expect(server.requests().map((r) => r.status)).toEqual([500, 500, 200]);
  });
});
