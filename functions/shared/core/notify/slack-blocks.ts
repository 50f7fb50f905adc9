import type { Severity } from '../finding.js';
import type { NotifiableFinding, NotificationEvent, NotificationKind } from './types.js';

// ------------------------------------------------------------------ Block Kit, as much as Vigil uses

export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}
export interface Mrkdwn {
  type: 'mrkdwn';
  text: string;
}
export type TextObject = PlainText | Mrkdwn;

export interface ButtonElement {
  type: 'button';
  action_id: string;
  text: PlainText;
  value?: string;
  url?: string;
  style?: 'primary' | 'danger';
}

export interface InputElement {
  type: 'plain_text_input' | 'users_select';
  action_id: string;
  multiline?: boolean;
  min_length?: number;
  max_length?: number;
  placeholder?: PlainText;
}

export type Block =
  | { type: 'header'; text: PlainText; block_id?: string }
  | { type: 'section'; text?: TextObject; fields?: TextObject[]; accessory?: ButtonElement; block_id?: string }
  | { type: 'context'; elements: TextObject[]; block_id?: string }
  | { type: 'actions'; elements: ButtonElement[]; block_id?: string }
  | { type: 'divider'; block_id?: string }
  | { type: 'input'; block_id: string; label: PlainText; element: InputElement; optional?: boolean; hint?: PlainText };

/** A message as chat.postMessage and incoming webhooks take it. */
export interface SlackMessage {
  /** The notification text (push, screen readers, clients without blocks). */
  text: string;
  blocks: Block[];
  unfurl_links?: boolean;
  unfurl_media?: boolean;
}

/**
 * Slack's documented limits ("Block Kit" reference, chat.postMessage): a message holds
 * at most 50 blocks; a section's text 3,000 characters; a field 2,000 and at most 10
 * fields; a header 150; a context at most 10 elements; a button's text 75 and value
 * 2,000; the top-level text is truncated past 40,000 (4,000 is the recommended most).
 */
export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  field: 2000,
  fields: 10,
  header: 150,
  contextElements: 10,
  contextText: 3000,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  text: 4000,
} as const;

// ------------------------------------------------------------------ safe text

/** Escapes the three characters mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Escapes `raw` for mrkdwn and cuts it to at most `max` characters of output, never
 * inside an escape sequence or a surrogate pair, ending with `…` when cut.
 */
export function clipMrkdwn(raw: string, max: number): string {
  return clip(raw, max, escapeMrkdwn);
}

/** Cuts plain text to at most `max` characters (code points kept whole), ending with `…` when cut. */
export function clipPlain(raw: string, max: number): string {
  return clip(raw, max, (s) => s);
}

function clip(raw: string, max: number, escape: (s: string) => string): string {
  const whole = escape(raw);
  if (whole.length <= max) return whole;
  let out = '';
  for (const ch of raw) {
    const piece = escape(ch);
    if (out.length + piece.length > max - 1) break;
    out += piece;
  }
  return `${out}…`;
}

/** Longer URLs are not linked: a cut URL is a broken link, and it would crowd out the text. */
export const MAX_LINK_URL = 1000;

/** A link whose label is escaped and clipped; URLs are made safe for `<url|label>`. */
export function link(url: string, label: string, maxLabel = 200): string {
  const text = clipMrkdwn(label, maxLabel).replace(/\|/g, '¦');
  const safeUrl = url.replace(/[<>|\s]/g, (c) => encodeURIComponent(c));
  if (safeUrl.length > MAX_LINK_URL || !/^https?:\/\//.test(safeUrl)) return text;
  return `<${safeUrl}|${text}>`;
}

/** A time Slack shows in the reader's own time zone, with a UTC fallback. */
export function slackDate(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return clipMrkdwn(iso, 40);
  const fallback = `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${fallback}>`;
}

const mrkdwn = (text: string): Mrkdwn => ({ type: 'mrkdwn', text });
const plain = (text: string, max: number): PlainText => ({ type: 'plain_text', text: clipPlain(text, max), emoji: true });

// ------------------------------------------------------------------ vocabulary

export const SEVERITY_EMOJI: Record<Severity, string> = {
  CRITICAL: ':rotating_light:',
  HIGH: ':red_circle:',
  MEDIUM: ':large_orange_circle:',
  LOW: ':large_yellow_circle:',
  INFORMATIONAL: ':white_circle:',
};

const KIND_LABEL: Record<NotificationKind, string> = {
  OPENED: 'New finding',
  REOPENED: 'Reopened',
  ESCALATED: 'Escalated',
  RESOLVED: 'Resolved',
  SUPPRESSED: 'Suppressed',
};

const KIND_EMOJI: Partial<Record<NotificationKind, string>> = {
  RESOLVED: ':white_check_mark:',
  SUPPRESSED: ':zzz:',
  REOPENED: ':repeat:',
  ESCALATED: ':arrow_double_up:',
};

/** Action ids of the message buttons (bot mode); the interactions handler reads them. */
export const ACTIONS = {
  acknowledge: 'vigil.acknowledge',
  suppress7: 'vigil.suppress.7d',
  suppress30: 'vigil.suppress.30d',
  assign: 'vigil.assign',
} as const;

// ------------------------------------------------------------------ messages

export interface FindingMessageContext {
  consoleUrl: string;
  accountName?: string;
  alsoNotify?: string[];
  /** Bot mode: Acknowledge / Suppress / Assign buttons on open findings. */
  interactive?: boolean;
  /**
   * A line about what people did (acknowledged by, assigned to), shown under the title:
   * mrkdwn built by the caller from escaped parts (actorMention, slackDate); a note longer
   * than 600 characters is left out rather than cut inside a mention or a date.
   */
  statusNote?: string;
}

function headline(event: NotificationEvent): string {
  const f = event.finding;
  const emoji = KIND_EMOJI[event.kind] ?? SEVERITY_EMOJI[f.severity];
  let what = `*${KIND_LABEL[event.kind]}*`;
  if (event.kind === 'ESCALATED' && event.previous) what += ` ${event.previous.severity} → ${f.severity}`;
  if (event.kind === 'REOPENED' && f.reopenCount > 1) what += ` (${f.reopenCount} times)`;
  return `${emoji} *${f.severity}* · ${what} · ${clipMrkdwn(f.team, 64)}`;
}

function findingFields(f: NotifiableFinding, context: FindingMessageContext): Mrkdwn[] {
  const account = context.accountName ? `${clipMrkdwn(context.accountName, 100)} (\`${clipMrkdwn(f.accountId, 20)}\`)` : `\`${clipMrkdwn(f.accountId, 20)}\``;
  const also = context.alsoNotify?.length ? `\nalso told: ${clipMrkdwn(context.alsoNotify.join(', '), 200)}` : '';
  const assignee = f.assignee ? `\nassigned to ${f.assignee.startsWith('slack:') ? `<@${clipMrkdwn(f.assignee.slice(6), 30)}>` : clipMrkdwn(f.assignee, 100)}` : '';
  const reopened = f.reopenCount > 0 ? ` · reopened ${f.reopenCount}×` : '';
  return [
    mrkdwn(`*Account*\n${account}`),
    mrkdwn(`*Region*\n${clipMrkdwn(f.region, 30)}`),
    mrkdwn(`*Resource*\n${clipMrkdwn(f.resourceType, 100)}\n\`${clipMrkdwn(f.resourceId, 600)}\``),
    mrkdwn(`*Owner*\n${clipMrkdwn(f.team, 64)} · routed by ${clipMrkdwn(f.routedBy, 200)}${also}${assignee}`),
    mrkdwn(`*First seen*\n${slackDate(f.firstSeen)}`),
    mrkdwn(`*Last seen*\n${slackDate(f.lastSeen)} · ${f.count} time${f.count === 1 ? '' : 's'}${reopened}`),
  ];
}

function contextLine(f: NotifiableFinding): Block {
  return {
    type: 'context',
    elements: [mrkdwn(`${clipMrkdwn(f.source, 40)} · ${clipMrkdwn(f.rule, 300)} · finding \`${f.id}\` v${f.version}${f.sample ? ' · sample finding' : ''}`)],
  };
}

function suppressionLine(f: NotifiableFinding): string {
  const until = f.suppressedUntil ? ` until ${slackDate(f.suppressedUntil)}` : '';
  const by = f.statusBy ? ` by ${actorMention(f.statusBy)}` : '';
  const reason = f.statusReason ? `: _${clipMrkdwn(f.statusReason, 500)}_` : '';
  return `:zzz: Suppressed${until}${by}${reason}`;
}

/** `slack:U123` as a mention, anything else as text. */
export function actorMention(actor: string): string {
  return actor.startsWith('slack:') ? `<@${clipMrkdwn(actor.slice(6), 30)}>` : clipMrkdwn(actor, 100);
}

function buttons(findingId: string): Block {
  const button = (action_id: string, text: string, style?: 'primary' | 'danger'): ButtonElement => ({
    type: 'button',
    action_id,
    text: plain(text, SLACK_LIMITS.buttonText),
    value: findingId,
    ...(style ? { style } : {}),
  });
  return {
    type: 'actions',
    block_id: 'vigil.actions',
    elements: [button(ACTIONS.acknowledge, 'Acknowledge', 'primary'), button(ACTIONS.suppress7, 'Suppress 7 days'), button(ACTIONS.suppress30, 'Suppress 30 days'), button(ACTIONS.assign, 'Assign')],
  };
}

/** Open enough to act on: the buttons are offered. */
const ACTIONABLE: ReadonlySet<string> = new Set(['OPEN', 'NOTIFIED', 'ACKNOWLEDGED']);

/**
 * The message for one transition, read in two seconds: severity, what happened and the
 * owner on the first line, the title linked to the console on the second, then account
 * (name and id), Region, resource, owner and how it was routed, first/last seen and count.
 */
export function findingMessage(event: NotificationEvent, context: FindingMessageContext): SlackMessage {
  const f = event.finding;
  const title = link(context.consoleUrl, f.title, 300);
  const lines = [headline(event), `*${title}*`];
  if (event.kind === 'SUPPRESSED' || f.status === 'SUPPRESSED') lines.push(suppressionLine(f));
  if (context.statusNote && context.statusNote.length <= 600) lines.push(context.statusNote);
  const blocks: Block[] = [{ type: 'section', text: mrkdwn(lines.join('\n')) }, { type: 'section', fields: findingFields(f, context) }, contextLine(f)];
  if (context.interactive && event.kind !== 'RESOLVED' && event.kind !== 'SUPPRESSED' && ACTIONABLE.has(f.status)) blocks.push(buttons(f.id));
  return {
    text: clipPlain(`${f.severity} · ${KIND_LABEL[event.kind]}: ${f.title} (${context.accountName ? `${context.accountName} ` : ''}${f.accountId}, ${f.region})`, 300),
    blocks,
    unfurl_links: false,
    unfurl_media: false,
  };
}

/** The thread reply under the original message when a finding resolves or is suppressed (bot mode). */
export function threadReply(event: NotificationEvent): SlackMessage {
  const f = event.finding;
  const text =
    event.kind === 'SUPPRESSED'
      ? suppressionLine(f)
      : `:white_check_mark: *Resolved* ${slackDate(event.at)}: the source no longer reports it. Open since ${slackDate(f.firstSeen)}, seen ${f.count} time${f.count === 1 ? '' : 's'}.`;
  return { text: clipPlain(`${KIND_LABEL[event.kind]}: ${f.title}`, 300), blocks: [{ type: 'section', text: mrkdwn(text) }] };
}

export interface FlapSummaryContext extends FindingMessageContext {
  changes: number;
  windowMs: number;
}

/** One message instead of each open/resolve of a flapping finding. */
export function flappingSummary(event: NotificationEvent, context: FlapSummaryContext): SlackMessage {
  const f = event.finding;
  const window = duration(context.windowMs);
  const lines = [
    `:arrows_counterclockwise: *${f.severity}* · *Flapping* · ${clipMrkdwn(f.team, 64)}`,
    `*${link(context.consoleUrl, f.title, 300)}*`,
    `Opened and resolved ${context.changes} times in the last ${window}; now *${f.status}*. Further changes of this finding are not announced one by one until it has been steady for ${window}.`,
  ];
  return {
    text: clipPlain(`Flapping: ${f.title} changed ${context.changes} times in ${window}`, 300),
    blocks: [{ type: 'section', text: mrkdwn(lines.join('\n')) }, { type: 'section', fields: findingFields(f, context) }, contextLine(f)],
    unfurl_links: false,
  };
}

export interface BurstContext {
  team: string;
  threshold: number;
  windowStart: string;
  windowEnd: string;
  teamUrl: string;
}

/** One message per team and window when findings arrive by the hundred. */
export function burstRollup(context: BurstContext): SlackMessage {
  const team = clipMrkdwn(context.team, 64);
  const lines = [
    `:ocean: *Burst* · ${team}: more than ${context.threshold} findings since ${slackDate(context.windowStart)}`,
    `Individual messages for ${team} are paused until ${slackDate(context.windowEnd)}. Every one of them is in ${link(context.teamUrl, `the open findings of ${context.team}`)} and in the team's next digest.`,
  ];
  return {
    text: clipPlain(`Burst: more than ${context.threshold} findings for ${context.team}`, 300),
    blocks: [{ type: 'section', text: mrkdwn(lines.join('\n')) }],
    unfurl_links: false,
  };
}

export interface DigestEntry {
  id: string;
  severity: Severity;
  title: string;
  accountId: string;
  region: string;
  firstSeen: string;
  consoleUrl?: string;
}

export interface DigestContext {
  team: string;
  schedule: 'daily' | 'weekly';
  /** Every finding in the digest (counts), most severe first. */
  entries: DigestEntry[];
  teamUrl: string;
  /** How many entries are listed one by one; the rest are counted. */
  listed?: number;
  accountNames?: Record<string, string>;
}

/** One message per team with the open findings nobody was told about one by one. */
export function digestMessage(context: DigestContext): SlackMessage {
  const total = context.entries.length;
  const team = clipMrkdwn(context.team, 64);
  const counts = new Map<Severity, number>();
  for (const e of context.entries) counts.set(e.severity, (counts.get(e.severity) ?? 0) + 1);
  const label = context.schedule === 'daily' ? 'Daily digest' : 'Weekly digest';
  const blocks: Block[] = [
    { type: 'header', text: plain(`${label} · ${context.team}`, SLACK_LIMITS.header) },
    {
      type: 'section',
      text: mrkdwn(`*${total} open finding${total === 1 ? '' : 's'}* for ${team} that nobody was told about one by one (below the team's severity, in quiet hours or part of a burst). ${link(context.teamUrl, 'All open findings')}`),
    },
  ];
  const fields = [...counts.entries()].map(([severity, n]) => mrkdwn(`${SEVERITY_EMOJI[severity]} *${severity}*\n${n}`));
  if (fields.length) blocks.push({ type: 'section', fields: fields.slice(0, SLACK_LIMITS.fields) });

  // Several findings per section, each section under its 3,000 characters, at most 40 sections.
  const listed = context.entries.slice(0, context.listed ?? 30);
  let chunk: string[] = [];
  let size = 0;
  const flush = () => {
    if (chunk.length) blocks.push({ type: 'section', text: mrkdwn(chunk.join('\n')) });
    chunk = [];
    size = 0;
  };
  let shown = 0;
  for (const e of listed) {
    // Room for the last chunk and the "and N more" line.
    if (blocks.length >= SLACK_LIMITS.blocks - 2) break;
    const account = context.accountNames?.[e.accountId] ? `${clipMrkdwn(context.accountNames[e.accountId]!, 60)} (${e.accountId})` : e.accountId;
    const title = e.consoleUrl ? link(e.consoleUrl, e.title, 150) : clipMrkdwn(e.title, 150);
    const line = `${SEVERITY_EMOJI[e.severity]} ${title} · ${account} · ${clipMrkdwn(e.region, 30)} · since ${slackDate(e.firstSeen)}`;
    if (size + line.length + 1 > SLACK_LIMITS.sectionText) flush();
    chunk.push(line);
    size += line.length + 1;
    shown++;
  }
  flush();
  if (total > shown) blocks.push({ type: 'context', elements: [mrkdwn(`and ${total - shown} more: ${link(context.teamUrl, `open findings of ${context.team}`)}`)] });
  return { text: clipPlain(`${label} for ${context.team}: ${total} open findings`, 300), blocks: blocks.slice(0, SLACK_LIMITS.blocks), unfurl_links: false };
}

function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = minutes / 60;
  return Number.isInteger(hours) ? `${hours} h` : `${minutes} min`;
}

// ------------------------------------------------------------------ checks

/**
 * Every way a message breaks Slack's limits, as readable problems (empty when it fits).
 * Tests run it on every message kind; the notifier runs it before sending, so a message
 * that would be rejected is caught by name instead of as `invalid_blocks`.
 */
export function slackLimitProblems(message: { text: string; blocks?: Block[] }): string[] {
  const problems: string[] = [];
  if (message.text.length > SLACK_LIMITS.text) problems.push(`text has ${message.text.length} characters (max ${SLACK_LIMITS.text})`);
  const blocks = message.blocks ?? [];
  if (blocks.length > SLACK_LIMITS.blocks) problems.push(`${blocks.length} blocks (max ${SLACK_LIMITS.blocks})`);
  blocks.forEach((block, i) => {
    const at = `blocks[${i}] (${block.type})`;
    if (block.type === 'section') {
      if (block.text && block.text.text.length > SLACK_LIMITS.sectionText) problems.push(`${at} text has ${block.text.text.length} characters (max ${SLACK_LIMITS.sectionText})`);
      if (block.fields && block.fields.length > SLACK_LIMITS.fields) problems.push(`${at} has ${block.fields.length} fields (max ${SLACK_LIMITS.fields})`);
      block.fields?.forEach((field, j) => {
        if (field.text.length > SLACK_LIMITS.field) problems.push(`${at} fields[${j}] has ${field.text.length} characters (max ${SLACK_LIMITS.field})`);
      });
      if (!block.text && !block.fields?.length) problems.push(`${at} has neither text nor fields`);
    } else if (block.type === 'header') {
      if (block.text.text.length > SLACK_LIMITS.header) problems.push(`${at} has ${block.text.text.length} characters (max ${SLACK_LIMITS.header})`);
    } else if (block.type === 'context') {
      if (block.elements.length > SLACK_LIMITS.contextElements) problems.push(`${at} has ${block.elements.length} elements (max ${SLACK_LIMITS.contextElements})`);
      block.elements.forEach((e, j) => {
        if (e.text.length > SLACK_LIMITS.contextText) problems.push(`${at} elements[${j}] has ${e.text.length} characters (max ${SLACK_LIMITS.contextText})`);
      });
    } else if (block.type === 'actions') {
      block.elements.forEach((e, j) => {
        if (e.text.text.length > SLACK_LIMITS.buttonText) problems.push(`${at} elements[${j}] text has ${e.text.text.length} characters (max ${SLACK_LIMITS.buttonText})`);
        if ((e.value ?? '').length > SLACK_LIMITS.buttonValue) problems.push(`${at} elements[${j}] value is too long`);
        if (e.action_id.length > SLACK_LIMITS.actionId) problems.push(`${at} elements[${j}] action_id is too long`);
      });
    }
  });
  return problems;
}
