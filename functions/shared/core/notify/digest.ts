import { severityRank, type Severity, type Status } from '../finding.js';
import { asDeliveryError, DEFAULT_RETRY, DeliveryError, withRetry, type RetryPolicy } from './delivery.js';
import { fallbackConsoleUrl, type Links } from './links.js';
import { globMatches } from './plan.js';
import type { DeliveryMeta, NotificationState, SlackModes, SlackPort, SlackTarget } from './ports.js';
import { digestMessage, type DigestEntry } from './slack-blocks.js';
import type { ChannelId, TeamSettings, TeamSettingsLookup } from './types.js';

/** A finding as the byTeam index projects it. */
export interface IndexedFinding {
  id: string;
  severity: Severity;
  status: Status;
  title: string;
  accountId: string;
  region: string;
  rule: string;
  firstSeen: string;
  source?: string;
}

/**
 * What goes into a team's digest: its findings still OPEN, i.e. that nobody was told
 * about one by one (below the team's minSeverity, held in quiet hours, rolled up in a
 * burst, or whose message failed); NOTIFIED, ACKNOWLEDGED, SUPPRESSED and RESOLVED ones
 * are left out, and so are rules muted for the team. Most severe first, then oldest.
 */
export function digestEntries(findings: readonly IndexedFinding[], team: TeamSettings, consoleUrl?: (f: IndexedFinding) => string | undefined): DigestEntry[] {
  const muted = team.quiet?.rules ?? [];
  return findings
    .filter((f) => f.status === 'OPEN' && !muted.some((pattern) => globMatches(pattern, f.rule)))
    .sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.firstSeen.localeCompare(b.firstSeen) || a.id.localeCompare(b.id))
    .map((f) => {
      const url = consoleUrl?.(f);
      return { id: f.id, severity: f.severity, title: f.title, accountId: f.accountId, region: f.region, firstSeen: f.firstSeen, ...(url ? { consoleUrl: url } : {}) };
    });
}

/**
 * The period a digest covers, as part of its idempotency key: the UTC day for daily
 * digests, the ISO week (`2026-W05`) for weekly ones. A retried schedule sends nothing new.
 */
export function digestPeriod(schedule: 'daily' | 'weekly', now: Date): string {
  if (schedule === 'daily') return now.toISOString().slice(0, 10);
  const date = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const day = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((date.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${date.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

// ------------------------------------------------------------------ sending

/** The open findings of a team, from the byTeam index (a Query, never a Scan). */
export interface TeamFindings {
  openFindings(team: string): Promise<IndexedFinding[]>;
}

export interface DigestDeps {
  teams: Pick<TeamSettingsLookup, 'teams'>;
  findings: TeamFindings;
  state: Pick<NotificationState, 'claim' | 'complete' | 'release' | 'deadLetter'>;
  slack: Pick<SlackPort, 'post'>;
  slackModes: SlackModes;
  links: Links;
  retry?: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
  accountName?: (accountId: string) => Promise<string | undefined>;
  now?: () => Date;
}

export interface DigestOutcome {
  team: string;
  result: 'sent' | 'empty' | 'duplicate' | 'busy' | 'dead-lettered' | 'failed';
  findings: number;
  reason?: string;
}

/**
 * Sends every team whose `digest` is `schedule` one message with its open findings
 * nobody was told about one by one. Idempotent per team and period (the ledger key
 * `digest#<team>#<schedule>#<period>`): a retried schedule sends nothing twice.
 * A team's failure does not stop the others; the caller fails the run if any failed.
 */
export async function sendDigests(schedule: 'daily' | 'weekly', deps: DigestDeps): Promise<DigestOutcome[]> {
  const now = (deps.now ?? (() => new Date()))();
  const period = digestPeriod(schedule, now);
  const outcomes: DigestOutcome[] = [];
  for (const team of deps.teams.teams()) {
    if (team.digest !== schedule || !team.slack) continue;
    const entries = digestEntries(await deps.findings.openFindings(team.name), team, (f) => fallbackConsoleUrl({ source: f.source ?? '', region: f.region, rule: f.rule, resourceId: '' }));
    if (entries.length === 0) {
      outcomes.push({ team: team.name, result: 'empty', findings: 0 });
      continue;
    }
    const channel: ChannelId = `slack:${team.name}`;
    const meta: DeliveryMeta = { key: `digest#${team.name}#${schedule}#${period}`, findingId: `digest:${team.name}`, version: 0, channel, kind: 'DIGEST', team: team.name };
    const claim = await deps.state.claim(meta, now);
    if (claim.kind !== 'claimed') {
      outcomes.push({ team: team.name, result: claim.kind === 'done' ? 'duplicate' : 'busy', findings: entries.length });
      continue;
    }
    const accountNames: Record<string, string> = {};
    if (deps.accountName) {
      for (const id of new Set(entries.slice(0, 30).map((e) => e.accountId))) {
        const name = await deps.accountName(id);
        if (name) accountNames[id] = name;
      }
    }
    const message = digestMessage({ team: team.name, schedule, entries, teamUrl: deps.links.team(team.name), accountNames });
    const target: SlackTarget = team.slack.webhookSecretName
      ? { mode: 'webhook', team: team.name, channel: team.slack.channel, secretName: team.slack.webhookSecretName }
      : { mode: 'bot', team: team.name, channel: team.slack.channel };
    try {
      if (target.mode === 'bot' && !deps.slackModes.bot) throw new DeliveryError(`team ${team.name} has no webhook secret and no bot token is configured`, 'slack-no-delivery', false);
      await withRetry(() => deps.slack.post(target, message), deps.retry ?? DEFAULT_RETRY, { sleep: deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))) });
      await deps.state.complete(meta, { result: 'sent', as: 'message' }, now);
      outcomes.push({ team: team.name, result: 'sent', findings: entries.length });
    } catch (error) {
      const failure = asDeliveryError(error);
      if (failure.retryable) {
        await deps.state.release(meta, failure.reason);
        outcomes.push({ team: team.name, result: 'failed', findings: entries.length, reason: failure.reason });
      } else {
        await deps.state.deadLetter({ ...meta, reason: failure.reason, detail: failure.message, attempts: claim.attempt, at: now.toISOString(), payload: message });
        outcomes.push({ team: team.name, result: 'dead-lettered', findings: entries.length, reason: failure.reason });
      }
    }
  }
  return outcomes;
}
