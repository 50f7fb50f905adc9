import { DeliveryError } from '../../core/notify/delivery.js';
import type { MessageRef, SlackView } from '../../core/notify/interactions.js';
import type { SlackPort, SlackTarget } from '../../core/notify/ports.js';
import type { SlackMessage } from '../../core/notify/slack-blocks.js';
import { SecretUnavailableError, secretField, type SecretSource } from './secrets.js';

/** Web API errors that a later try can fix; every other `ok: false` is permanent. */
const RETRYABLE_API_ERRORS = new Set(['ratelimited', 'rate_limited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

export interface SlackClientOptions {
  secrets: SecretSource;
  /** Secret with `{"botToken": "xoxb-…", "signingSecret": "…"}`; absent: webhooks only. */
  botSecretName?: string;
  /** Web API base, `https://slack.com/api` (the local Slack server locally). */
  apiUrl?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** At most one message per channel per this many milliseconds (Slack: about one per second). */
  minIntervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/**
 * Spaces messages to one channel at least `intervalMs` apart, in call order, and holds a
 * channel back for Slack's Retry-After after a 429. Per process: Lambda instances that
 * share a channel are kept in line by Slack's 429s, which the retry policy honours.
 */
export class ChannelLimiter {
  private readonly next = new Map<string, number>();

  public constructor(
    private readonly intervalMs: number,
    private readonly sleep: (ms: number) => Promise<void>,
    private readonly now: () => number,
  ) {}

  public async wait(channel: string): Promise<void> {
    const now = this.now();
    const at = Math.max(now, this.next.get(channel) ?? 0);
    this.next.set(channel, at + this.intervalMs);
    if (at > now) await this.sleep(at - now);
  }

  public holdFor(channel: string, ms: number): void {
    this.next.set(channel, Math.max(this.next.get(channel) ?? 0, this.now() + ms));
  }
}

/**
 * Slack over plain `fetch`: incoming webhooks (one secret URL per team) and the Web API
 * with a bot token (chat.postMessage, chat.update, views.open). Every failure becomes a
 * DeliveryError with a stable reason: HTTP 429 carries Retry-After, 5xx and network
 * errors are retryable, Slack's `ok: false` errors are permanent unless they say
 * otherwise. URLs and tokens never appear in errors or logs.
 */
export class SlackClient implements SlackPort {
  private readonly apiUrl: string;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  private readonly limiter: ChannelLimiter;

  public constructor(private readonly options: SlackClientOptions) {
    this.apiUrl = (options.apiUrl ?? 'https://slack.com/api').replace(/\/+$/, '');
    this.fetch = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    this.limiter = new ChannelLimiter(options.minIntervalMs ?? 1000, sleep, options.now ?? Date.now);
  }

  public get botEnabled(): boolean {
    return !!this.options.botSecretName;
  }

  public async post(target: SlackTarget, message: SlackMessage, threadTs?: string): Promise<{ ref?: MessageRef }> {
    await this.limiter.wait(target.channel);
    if (target.mode === 'webhook') {
      const url = await this.secret(target.secretName, ['url', 'webhookUrl'], 'slack-webhook-secret');
      await this.webhook(url, target, message);
      return {};
    }
    const out = await this.api('chat.postMessage', { channel: target.channel, ...message, ...(threadTs ? { thread_ts: threadTs } : {}) }, target.channel);
    return { ref: { channel: String(out.channel ?? target.channel), ts: String(out.ts) } };
  }

  public async update(ref: MessageRef, message: SlackMessage): Promise<void> {
    await this.api('chat.update', { channel: ref.channel, ts: ref.ts, text: message.text, blocks: message.blocks }, ref.channel);
  }

  /** Opens a modal in answer to a button (bot mode; the trigger is valid for three seconds). */
  public async openView(triggerId: string, view: SlackView): Promise<void> {
    await this.api('views.open', { trigger_id: triggerId, view });
  }

  /** The app's signing secret, from the bot secret. */
  public async signingSecret(): Promise<string> {
    if (!this.options.botSecretName) throw new DeliveryError('no bot secret is configured', 'slack-no-bot-secret', false);
    return this.secret(this.options.botSecretName, ['signingSecret'], 'slack-bot-secret');
  }

  private async secret(name: string, fields: string[], reason: string): Promise<string> {
    try {
      const value = secretField(await this.options.secrets.get(name), fields);
      if (!value) throw new DeliveryError(`secret ${name} holds no ${fields.join(' or ')}`, `${reason}-invalid`, false);
      return value;
    } catch (error) {
      if (error instanceof SecretUnavailableError) throw new DeliveryError(error.message, `${reason}-${error.code}`, error.retryable, undefined, { cause: error });
      throw error;
    }
  }

  private async request(url: string, init: RequestInit, what: string): Promise<Response> {
    try {
      return await this.fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      const e = error as { name?: string; cause?: { code?: string } };
      const code = e.name === 'TimeoutError' || e.name === 'AbortError' ? 'timeout' : (e.cause?.code ?? 'network');
      // The error message may carry the URL (a webhook URL is a secret): keep only the code.
      throw new DeliveryError(`${what}: ${code}`, `slack-${code}`, true);
    }
  }

  private rateLimited(response: Response, what: string, channel?: string): DeliveryError {
    const seconds = Number(response.headers.get('retry-after'));
    const ms = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000;
    if (channel) this.limiter.holdFor(channel, ms);
    return new DeliveryError(`${what}: HTTP 429, retry after ${ms / 1000} s`, 'slack-rate-limited', true, ms);
  }

  private async webhook(url: string, target: SlackTarget, message: SlackMessage): Promise<void> {
    const what = `Slack webhook of team ${target.team}`;
    const response = await this.request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) }, what);
    if (response.ok) {
      await response.text();
      return;
    }
    if (response.status === 429) throw this.rateLimited(response, what, target.channel);
    const body = (await response.text().catch(() => '')).trim().slice(0, 80);
    const code = /^[a-z_]+$/.test(body) ? body : `http-${response.status}`;
    throw new DeliveryError(`${what}: HTTP ${response.status} ${code}`, `slack-${code}`, response.status >= 500);
  }

  private async api(method: string, body: Record<string, unknown>, channel?: string): Promise<Record<string, unknown>> {
    if (!this.options.botSecretName) throw new DeliveryError(`Slack ${method}: no bot token is configured`, 'slack-no-bot-secret', false);
    const token = await this.secret(this.options.botSecretName, ['botToken', 'token'], 'slack-bot-secret');
    const what = `Slack ${method}`;
    const response = await this.request(
      `${this.apiUrl}/${method}`,
      { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${token}` }, body: JSON.stringify(body) },
      what,
    );
    if (response.status === 429) throw this.rateLimited(response, what, channel);
    if (response.status >= 500) throw new DeliveryError(`${what}: HTTP ${response.status}`, `slack-http-${response.status}`, true);
    let json: Record<string, unknown>;
    try {
      json = (await response.json()) as Record<string, unknown>;
    } catch {
      throw new DeliveryError(`${what}: HTTP ${response.status}, not JSON`, `slack-http-${response.status}`, response.status >= 500 || response.status === 200);
    }
    if (json.ok === true) return json;
    const error = typeof json.error === 'string' ? json.error.slice(0, 60) : `http-${response.status}`;
    throw new DeliveryError(`${what}: ${error}`, `slack-${error}`, RETRYABLE_API_ERRORS.has(error));
  }
}
