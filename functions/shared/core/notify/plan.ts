import { severityRank } from '../finding.js';
import { isSuppressed } from './transition.js';
import type { ChannelId, DeliverySkipReason, NotificationEvent, RoutingExtras, TeamSettings, TeamSettingsLookup } from './types.js';

const SILENCED_WHILE_SUPPRESSED: ReadonlySet<string> = new Set(['OPENED', 'REOPENED', 'ESCALATED']);

/** One planned delivery: send (or stage) on a channel, or skip it with a reason. */
export type DeliveryPlan =
  | { channel: 'sns'; action: 'send' | 'stage' }
  | { channel: `slack:${string}`; team: string; settings: TeamSettings & { slack: NonNullable<TeamSettings['slack']> }; action: 'send' | 'stage' }
  | { channel: ChannelId; team?: string; action: 'skip'; reason: DeliverySkipReason };

/**
 * Decides who hears of a transition, before any noise control:
 *
 * - the findings topic (SNS) always, unless the rule is staged (recorded as "would have
 *   sent") or a configured suppression applies: it is the complete machine feed;
 * - Slack for the owner and every alsoNotify team, each by its own settings: a channel is
 *   required, the finding must reach the team's minSeverity, its rule must not be muted
 *   for the team, and outside quiet hours (unless at or above exceptMinSeverity). What
 *   is held back stays OPEN and reaches the team's digest.
 *
 * A suppressed finding (by the configuration or by a person, until it ends) is announced
 * once (SUPPRESSED, when a person suppresses it) and when it resolves; nothing else. An
 * owner without configuration is announced to the default team instead.
 */
export function planDeliveries(event: NotificationEvent, extras: RoutingExtras, teams: Pick<TeamSettingsLookup, 'team' | 'defaultTeam'>, now: Date): DeliveryPlan[] {
  const plans: DeliveryPlan[] = [];
  // A suppression (configured, or a person's still in force) silences all but the
  // suppression itself and the resolution, which closes the loop.
  const blocked: DeliverySkipReason | undefined =
    extras.suppressedBy || (SILENCED_WHILE_SUPPRESSED.has(event.kind) && isSuppressed(event.finding, event.at)) ? 'suppressed' : undefined;
  const mode: 'send' | 'stage' = extras.staged ? 'stage' : 'send';

  plans.push(blocked ? { channel: 'sns', action: 'skip', reason: blocked } : { channel: 'sns', action: mode });

  const recipients = [...new Set([event.finding.team, ...extras.alsoNotify])];
  // An owner without configuration is not left unheard: the default team hears instead.
  const fallback = teams.defaultTeam?.();
  if (!teams.team(event.finding.team) && fallback && teams.team(fallback) && !recipients.includes(fallback)) recipients.push(fallback);
  for (const team of recipients) {
    const channel: ChannelId = `slack:${team}`;
    const settings = teams.team(team);
    if (blocked) plans.push({ channel, team, action: 'skip', reason: blocked });
    else if (!settings) plans.push({ channel, team, action: 'skip', reason: 'unknown-team' });
    else if (!settings.slack) plans.push({ channel, team, action: 'skip', reason: 'no-slack-channel' });
    else {
      const held = holdBack(event, settings, now);
      plans.push(held ? { channel, team, action: 'skip', reason: held } : { channel, team, settings: settings as TeamSettings & { slack: NonNullable<TeamSettings['slack']> }, action: mode });
    }
  }
  return plans;
}

/** Why a team's settings hold a message back, if they do. */
export function holdBack(event: NotificationEvent, settings: TeamSettings, now: Date): DeliverySkipReason | undefined {
  const { finding } = event;
  if (severityRank(finding.severity) < severityRank(settings.minSeverity)) return 'below-min-severity';
  if (settings.quiet?.rules?.some((pattern) => globMatches(pattern, finding.rule))) return 'muted-rule';
  const hours = settings.quiet?.hours;
  if (hours && inQuietHours(hours, now)) {
    const except = settings.quiet?.exceptMinSeverity;
    if (!except || severityRank(finding.severity) < severityRank(except)) return 'quiet-hours';
  }
  return undefined;
}

/**
 * True when `now` falls in the daily window [from, to) in the given time zone (UTC by
 * default). `from` after `to` spans midnight: 22:00–07:00 holds 23:30 and 06:59.
 */
export function inQuietHours(hours: { from: string; to: string; timezone?: string }, now: Date): boolean {
  const minutes = localMinutes(now, hours.timezone ?? 'UTC');
  const from = clockMinutes(hours.from);
  const to = clockMinutes(hours.to);
  if (from === to) return false;
  return from < to ? minutes >= from && minutes < to : minutes >= from || minutes < to;
}

function clockMinutes(clock: string): number {
  const [h = '0', m = '0'] = clock.split(':');
  return Number(h) * 60 + Number(m);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function localMinutes(now: Date, timeZone: string): number {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, format);
  }
  const parts = format.formatToParts(now);
  const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? 0);
  const minute = Number(parts.find((p) => p.type === 'minute')?.value ?? 0);
  return hour * 60 + minute;
}

/** `*` any run of characters, `?` one; the rest literal (as routing's rule globs). */
export function globMatches(pattern: string, value: string): boolean {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's').test(value);
}
