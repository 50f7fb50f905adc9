/**
 * Renders every kind of message Vigil sends into docs/notifications/examples/: the Block
 * Kit JSON as Slack receives it, and HTML as the local Slack server shows it (the same
 * renderer, cli/local/slack-server.ts), plus the SNS message of a transition.
 *
 *   npx tsx scripts/render-notification-examples.ts
 *
 * The examples are deterministic (fixed findings and times), so a change to a message
 * shows up as a diff in review.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderPage } from '../cli/local/slack-server.js';
import { assignModal, suppressModal } from '../functions/shared/core/notify/interactions.js';
import { links } from '../functions/shared/core/notify/links.js';
import {
  actorMention,
  burstRollup,
  digestMessage,
  findingMessage,
  flappingSummary,
  slackDate,
  slackLimitProblems,
  threadReply,
  type DigestEntry,
  type SlackMessage,
} from '../functions/shared/core/notify/slack-blocks.js';
import { snsPublishInput } from '../functions/shared/core/notify/sns-message.js';
import type { NotifiableFinding, NotificationEvent } from '../functions/shared/core/notify/types.js';

const OUT = 'docs/notifications/examples';

const finding: NotifiableFinding = {
  id: '5b7c0e1f9a2d4c6e8f0a1b2c3d4e5f60',
  source: 'aws.guardduty',
  rule: 'UnauthorizedAccess:IAMUser/TorIPCaller',
  accountId: '746869318262',
  region: 'eu-central-1',
  severity: 'HIGH',
  status: 'OPEN',
  title: 'API GetSecretValue was invoked from a Tor exit node.',
  resourceType: 'AccessKey',
  resourceId: 'ASIAZ7EXAMPLEKEY4TOR',
  firstSeen: '2026-03-02T08:14:09.000Z',
  lastSeen: '2026-03-02T08:14:09.000Z',
  count: 1,
  team: 'payments',
  routedBy: 'account-tag:owner-team',
  transition: 'OPENED',
  transitionAt: '2026-03-02T08:14:09.000Z',
  reopenCount: 0,
  version: 1,
};
const consoleUrl = 'https://eu-central-1.console.aws.amazon.com/guardduty/home?region=eu-central-1#/findings?macros=current&fId=a2c4e6f8b0d2f4a6c8e0b2d4f6a8c0e2';
const context = { consoleUrl, accountName: 'payments-prod', alsoNotify: ['security'] };

const at = (iso: string, changes: Partial<NotifiableFinding>): NotifiableFinding => ({ ...finding, ...changes, transitionAt: changes.transitionAt ?? iso });
const opened: NotificationEvent = { kind: 'OPENED', at: finding.transitionAt, finding };
const escalated: NotificationEvent = {
  kind: 'ESCALATED',
  at: '2026-03-02T09:02:41.000Z',
  finding: at('2026-03-02T09:02:41.000Z', { severity: 'CRITICAL', status: 'NOTIFIED', transition: 'ESCALATED', lastSeen: '2026-03-02T09:02:41.000Z', count: 14, version: 4 }),
  previous: { status: 'NOTIFIED', severity: 'HIGH' },
};
const resolved: NotificationEvent = {
  kind: 'RESOLVED',
  at: '2026-03-03T11:30:00.000Z',
  finding: at('2026-03-03T11:30:00.000Z', { severity: 'CRITICAL', status: 'RESOLVED', transition: 'RESOLVED', lastSeen: '2026-03-03T11:30:00.000Z', count: 14, version: 6 }),
  previous: { status: 'NOTIFIED', severity: 'CRITICAL' },
};
const reopened: NotificationEvent = {
  kind: 'REOPENED',
  at: '2026-03-09T07:45:12.000Z',
  finding: at('2026-03-09T07:45:12.000Z', { status: 'OPEN', transition: 'REOPENED', lastSeen: '2026-03-09T07:45:12.000Z', count: 15, reopenCount: 1, version: 7 }),
  previous: { status: 'RESOLVED', severity: 'HIGH' },
};
const suppressed: NotificationEvent = {
  kind: 'SUPPRESSED',
  at: '2026-03-09T08:01:00.000Z',
  finding: at('2026-03-09T08:01:00.000Z', {
    status: 'SUPPRESSED',
    transition: 'REOPENED',
    transitionAt: '2026-03-09T07:45:12.000Z',
    statusAt: '2026-03-09T08:01:00.000Z',
    statusBy: 'slack:U024BE7LH',
    statusReason: 'Pen test by Acme Security until Friday (ticket SEC-2211).',
    suppressedUntil: '2026-03-16T08:01:00.000Z',
    reopenCount: 1,
    version: 9,
  }),
  previous: { status: 'NOTIFIED', severity: 'HIGH' },
};

const digestEntries: DigestEntry[] = [
  { id: 'a1'.repeat(16), severity: 'MEDIUM', title: 's3-bucket-server-side-encryption-enabled: payments-exports-eu is not compliant', accountId: '746869318262', region: 'eu-central-1', firstSeen: '2026-02-27T10:00:00.000Z', consoleUrl: 'https://eu-central-1.console.aws.amazon.com/config/home?region=eu-central-1#/rules/details?configRuleName=s3-bucket-server-side-encryption-enabled' },
  { id: 'b2'.repeat(16), severity: 'LOW', title: 'cloudwatch-log-group-encrypted: /aws/lambda/payments-settle is not compliant', accountId: '746869318262', region: 'eu-central-1', firstSeen: '2026-02-28T16:20:00.000Z' },
  { id: 'c3'.repeat(16), severity: 'LOW', title: 'Unprotected port on EC2 instance i-0a1b2c3d4e5f60718 is being probed.', accountId: '111111111111', region: 'eu-west-1', firstSeen: '2026-03-01T03:11:00.000Z' },
  { id: 'd4'.repeat(16), severity: 'INFORMATIONAL', title: 'access-keys-rotated: AKIA… older than 90 days', accountId: '111111111111', region: 'us-east-1', firstSeen: '2026-03-01T09:00:00.000Z' },
];

const teamUrl = links({ findingsUrl: 'https://vigil.example.com/findings?team={team}&status={status}', tableName: 'vigil-FindingsTable', region: 'eu-central-1' }).team('payments');

interface Example {
  name: string;
  title: string;
  messages: Array<{ channel: string; message: SlackMessage; threadTs?: string }>;
}

const channel = '#sec-payments';
const examples: Example[] = [
  { name: 'opened-webhook', title: 'New finding (incoming webhook)', messages: [{ channel: 'webhook:payments', message: findingMessage(opened, context) }] },
  { name: 'opened-bot', title: 'New finding (bot, with buttons)', messages: [{ channel, message: findingMessage(opened, { ...context, interactive: true }) }] },
  {
    name: 'acknowledged-bot',
    title: 'After Acknowledge (the original, updated)',
    messages: [{ channel, message: findingMessage({ ...opened, finding: { ...finding, status: 'ACKNOWLEDGED' } }, { ...context, interactive: true, statusNote: `:eyes: Acknowledged by ${actorMention('slack:U024BE7LH')} ${slackDate('2026-03-02T08:20:00.000Z')}` }) }],
  },
  { name: 'escalated', title: 'Escalated', messages: [{ channel, message: findingMessage(escalated, { ...context, interactive: true }) }] },
  {
    name: 'resolved-bot',
    title: 'Resolved (bot: the original updated, a reply in its thread)',
    messages: [
      { channel, message: findingMessage(resolved, context) },
      { channel, message: threadReply(resolved), threadTs: '1772439249.000100' },
    ],
  },
  { name: 'resolved-webhook', title: 'Resolved (incoming webhook)', messages: [{ channel: 'webhook:payments', message: findingMessage(resolved, context) }] },
  { name: 'reopened', title: 'Reopened', messages: [{ channel, message: findingMessage(reopened, { ...context, interactive: true }) }] },
  {
    name: 'suppressed',
    title: 'Suppressed (a reply in the original thread, and the original updated)',
    messages: [
      { channel, message: findingMessage(suppressed, context) },
      { channel, message: threadReply(suppressed), threadTs: '1772439249.000100' },
    ],
  },
  { name: 'flapping-summary', title: 'Flapping: one summary instead of each change', messages: [{ channel, message: flappingSummary(reopened, { ...context, changes: 5, windowMs: 3_600_000 }) }] },
  {
    name: 'burst-rollup',
    title: 'Burst: one roll-up per team and window',
    messages: [{ channel, message: burstRollup({ team: 'payments', threshold: 20, windowStart: '2026-03-02T08:10:00.000Z', windowEnd: '2026-03-02T08:15:00.000Z', teamUrl }) }],
  },
  {
    name: 'digest-daily',
    title: 'Daily digest',
    messages: [{ channel: 'webhook:security', message: digestMessage({ team: 'payments', schedule: 'daily', entries: digestEntries, teamUrl, accountNames: { '746869318262': 'payments-prod', '111111111111': 'payments-dev' } }) }],
  },
];

mkdirSync(OUT, { recursive: true });
const index: string[] = [];
for (const example of examples) {
  for (const { message } of example.messages) {
    const problems = slackLimitProblems(message);
    if (problems.length) throw new Error(`${example.name} breaks Slack's limits: ${problems.join('; ')}`);
  }
  const json = example.messages.length === 1 ? example.messages[0]!.message : example.messages.map((m) => ({ ...(m.threadTs ? { thread_ts: m.threadTs } : {}), ...m.message }));
  writeFileSync(join(OUT, `${example.name}.json`), `${JSON.stringify(json, null, 2)}\n`);
  const recorded = example.messages.map((m, i) => ({ channel: m.channel, ts: `1772439249.00010${i}`, text: m.message.text, blocks: m.message.blocks as unknown[], ...(m.threadTs ? { threadTs: m.threadTs } : {}) }));
  writeFileSync(join(OUT, `${example.name}.html`), renderPage(recorded, `Vigil · ${example.title}`));
  index.push(`- ${example.title}: [${example.name}.json](${example.name}.json), [${example.name}.html](${example.name}.html)`);
}

// Modals (views.open) and the SNS message of the escalation.
writeFileSync(join(OUT, 'modal-suppress.json'), `${JSON.stringify(suppressModal(finding.id, 7, { channel: 'C0PAYMENTS', ts: '1772439249.000100' }), null, 2)}\n`);
writeFileSync(join(OUT, 'modal-assign.json'), `${JSON.stringify(assignModal(finding.id, { channel: 'C0PAYMENTS', ts: '1772439249.000100' }), null, 2)}\n`);
const sns = snsPublishInput(escalated, { topicArn: 'arn:aws:sns:eu-central-1:999988887777:vigil-FindingsTopic-1Q2W3E4R5T6Y', consoleUrl, accountName: 'payments-prod', alsoNotify: ['security'] });
writeFileSync(join(OUT, 'sns-escalated.json'), `${JSON.stringify({ ...sns, Message: JSON.parse(sns.Message) }, null, 2)}\n`);
index.push('- Suppress modal (views.open): [modal-suppress.json](modal-suppress.json)', '- Assign modal (views.open): [modal-assign.json](modal-assign.json)', '- SNS Publish of the escalation (Message shown parsed): [sns-escalated.json](sns-escalated.json)');

writeFileSync(join(OUT, 'README.md'), `# Message examples\n\nGenerated by \`npx tsx scripts/render-notification-examples.ts\`; do not edit by hand.\n\n${index.join('\n')}\n`);
process.stdout.write(`wrote ${examples.length * 2 + 4} files to ${OUT}\n`);
