import type { MessageRef } from '../../functions/shared/core/notify/interactions.js';
import type { FlapState } from '../../functions/shared/core/notify/noise.js';
import type { Claim, DeadLetter, DeliveryMeta, LedgerRecord, NotificationState, SlackPort, SlackTarget, SnsPort } from '../../functions/shared/core/notify/ports.js';
import type { SlackMessage } from '../../functions/shared/core/notify/slack-blocks.js';
import type { SnsPublishInput } from '../../functions/shared/core/notify/sns-message.js';
import type { NotifiableFinding, NotificationEvent, TeamSettings } from '../../functions/shared/core/notify/types.js';

/** A finding item as ingest writes it (the fields the notifier reads). */
export function finding(overrides: Partial<NotifiableFinding> = {}): NotifiableFinding {
  return {
    id: '0123456789abcdef0123456789abcdef',
    source: 'aws.guardduty',
    rule: 'Recon:EC2/PortProbeUnprotectedPort',
    accountId: '111122223333',
    region: 'eu-west-1',
    severity: 'HIGH',
    status: 'OPEN',
    title: 'Unprotected port on EC2 instance i-0abc is being probed',
    resourceType: 'Instance',
    resourceId: 'i-0abc1234def567890',
    firstSeen: '2026-01-05T09:00:00.000Z',
    lastSeen: '2026-01-05T09:00:00.000Z',
    count: 1,
    team: 'payments',
    routedBy: 'account-tag:owner-team',
    transition: 'OPENED',
    transitionAt: '2026-01-05T09:00:00.000Z',
    reopenCount: 0,
    version: 1,
    ...overrides,
  };
}

/** The stored item of a finding (keys and index attributes around the state). */
export function findingItem(f: NotifiableFinding): Record<string, unknown> {
  return { pk: `F#${f.id}`, sk: 'F', gsi1pk: `T#${f.team}`, gsi2pk: `A#${f.accountId}`, gsisk: `${f.lastSeen}#${f.id}`, recent: ['k1'], sourceStatus: 'OPEN', ...f };
}

export function event(kind: NotificationEvent['kind'], overrides: Partial<NotifiableFinding> = {}, previous?: NotificationEvent['previous']): NotificationEvent {
  const f = finding(overrides);
  return { kind, at: f.transitionAt, finding: f, ...(previous ? { previous } : {}) };
}

export function team(name: string, overrides: Partial<TeamSettings> = {}): TeamSettings {
  return { name, slack: { channel: `#sec-${name}`, webhookSecretName: `vigil/slack/${name}` }, minSeverity: 'LOW', ...overrides };
}

/** NotificationState in memory, with the same semantics as the DynamoDB adapter. */
export class MemoryState implements NotificationState {
  public readonly ledger = new Map<string, { status: 'PENDING' | 'DONE'; attempts: number; leaseUntil: number; record?: LedgerRecord; lastError?: string; meta: DeliveryMeta }>();
  public readonly deadLetters: DeadLetter[] = [];
  public readonly flaps = new Map<string, FlapState>();
  public readonly bursts = new Map<string, number>();
  public readonly refs = new Map<string, MessageRef>();

  public constructor(private readonly leaseMs = 60_000) {}

  public async claim(meta: DeliveryMeta, now: Date): Promise<Claim> {
    const entry = this.ledger.get(meta.key);
    if (entry?.status === 'DONE') return { kind: 'done', record: entry.record! };
    if (entry && entry.leaseUntil >= now.getTime()) return { kind: 'busy' };
    const attempts = (entry?.attempts ?? 0) + 1;
    this.ledger.set(meta.key, { status: 'PENDING', attempts, leaseUntil: now.getTime() + this.leaseMs, meta });
    return { kind: 'claimed', attempt: attempts };
  }

  public async complete(meta: DeliveryMeta, record: LedgerRecord): Promise<void> {
    const entry = this.ledger.get(meta.key);
    this.ledger.set(meta.key, { status: 'DONE', attempts: entry?.attempts ?? 0, leaseUntil: 0, record, meta });
  }

  public async recordOnce(meta: DeliveryMeta, record: LedgerRecord): Promise<boolean> {
    if (this.ledger.has(meta.key)) return false;
    this.ledger.set(meta.key, { status: 'DONE', attempts: 0, leaseUntil: 0, record, meta });
    return true;
  }

  public async release(meta: DeliveryMeta, error: string): Promise<void> {
    const entry = this.ledger.get(meta.key);
    if (entry?.status === 'PENDING') Object.assign(entry, { leaseUntil: 0, lastError: error });
  }

  public async deadLetter(letter: DeadLetter): Promise<void> {
    this.deadLetters.push(letter);
    this.ledger.set(letter.key, { status: 'DONE', attempts: letter.attempts, leaseUntil: 0, record: { result: 'dead-lettered', reason: letter.reason }, meta: letter });
  }

  public async flapState(findingId: string): Promise<FlapState | undefined> {
    return this.flaps.get(findingId);
  }

  public async saveFlapState(findingId: string, state: FlapState): Promise<void> {
    this.flaps.set(findingId, structuredClone(state));
  }

  public async burstSlot(team: string, windowStart: string): Promise<number> {
    const key = `${team}#${windowStart}`;
    const n = (this.bursts.get(key) ?? 0) + 1;
    this.bursts.set(key, n);
    return n;
  }

  public async slackRef(findingId: string, team: string): Promise<MessageRef | undefined> {
    return this.refs.get(`${findingId}#${team}`);
  }

  public async saveSlackRef(findingId: string, team: string, ref: MessageRef): Promise<void> {
    this.refs.set(`${findingId}#${team}`, ref);
  }

  /** Final outcomes by key. */
  public records(): Record<string, LedgerRecord | 'PENDING'> {
    return Object.fromEntries([...this.ledger].map(([k, v]) => [k, v.status === 'DONE' ? v.record! : 'PENDING']));
  }
}

export type Failure = Error | undefined;

/** An SNS port that records inputs and fails as scripted. */
export class FakeSns implements SnsPort {
  public readonly published: SnsPublishInput[] = [];
  public calls = 0;
  public constructor(public failures: Failure[] = []) {}
  public async publish(input: SnsPublishInput): Promise<{ messageId: string }> {
    this.calls++;
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.published.push(input);
    return { messageId: `m-${this.published.length}` };
  }
}

/** A Slack port that records posts and updates and fails as scripted. */
export class FakeSlack implements SlackPort {
  public readonly posts: Array<{ target: SlackTarget; message: SlackMessage; threadTs?: string }> = [];
  public readonly updates: Array<{ ref: MessageRef; message: SlackMessage }> = [];
  public calls = 0;
  private ts = 0;
  public constructor(public failures: Failure[] = []) {}
  public async post(target: SlackTarget, message: SlackMessage, threadTs?: string): Promise<{ ref?: MessageRef }> {
    this.calls++;
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.posts.push({ target, message, ...(threadTs ? { threadTs } : {}) });
    return target.mode === 'bot' ? { ref: { channel: target.channel, ts: `1700000000.${String(++this.ts).padStart(6, '0')}` } } : {};
  }
  public async update(ref: MessageRef, message: SlackMessage): Promise<void> {
    this.calls++;
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.updates.push({ ref, message });
  }
}
