import { describe, expect, it } from 'vitest';
import {
  burstRollup,
  clipMrkdwn,
  digestMessage,
  findingMessage,
  flappingSummary,
  SLACK_LIMITS,
  slackLimitProblems,
  threadReply,
  type Block,
  type DigestEntry,
} from '../../../functions/shared/core/notify/slack-blocks.js';
import { event } from '../../support/notify-fakes.js';

const context = { consoleUrl: 'https://eu-west-1.console.aws.amazon.com/guardduty/home?region=eu-west-1#/findings?search=id%3Dabc', accountName: 'payments-prod' };

function allText(blocks: Block[]): string {
  return JSON.stringify(blocks);
}

describe('notify: Block Kit messages', () => {
  it('says severity, what happened, the owner and the title on the first two lines', () => {
    // Act
    const message = findingMessage(event('OPENED'), { ...context, interactive: true });
    // Assess
    const first = message.blocks[0] as { text: { text: string } };
    expect(first.text.text.split('\n')).toEqual([
      ':red_circle: *HIGH* · *New finding* · payments',
      `*<${context.consoleUrl}|Unprotected port on EC2 instance i-0abc is being probed>*`,
    ]);
    const fields = (message.blocks[1] as { fields: Array<{ text: string }> }).fields.map((f) => f.text);
    expect(fields[0]).toBe('*Account*\npayments-prod (`111122223333`)');
    expect(fields[1]).toBe('*Region*\neu-west-1');
    expect(fields[2]).toBe('*Resource*\nInstance\n`i-0abc1234def567890`');
    expect(fields[3]).toBe('*Owner*\npayments · routed by account-tag:owner-team');
    expect(fields[4]).toMatch(/^\*First seen\*\n<!date\^1767603600\^\{date_short_pretty\} \{time\}\|2026-01-05 09:00 UTC>$/);
    expect(fields[5]).toMatch(/· 1 time$/);
    expect(message.text).toBe('HIGH · New finding: Unprotected port on EC2 instance i-0abc is being probed (payments-prod 111122223333, eu-west-1)');
    expect(message.blocks.at(-1)).toMatchObject({ type: 'actions', elements: [{ action_id: 'vigil.acknowledge' }, { action_id: 'vigil.suppress.7d' }, { action_id: 'vigil.suppress.30d' }, { action_id: 'vigil.assign' }] });
    expect(slackLimitProblems(message)).toEqual([]);
  });

  it('webhook messages and resolutions have no buttons', () => {
    expect(findingMessage(event('OPENED'), context).blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(findingMessage(event('RESOLVED', { status: 'RESOLVED' }), { ...context, interactive: true }).blocks.some((b) => b.type === 'actions')).toBe(false);
  });

  it('escalations name the severities; suppressions who, until when and why', () => {
    const escalated = findingMessage(event('ESCALATED', { severity: 'CRITICAL' }, { status: 'NOTIFIED', severity: 'MEDIUM' }), context);
    expect(allText(escalated.blocks)).toContain('*Escalated* MEDIUM → CRITICAL');
    const suppressed = findingMessage(event('SUPPRESSED', { status: 'SUPPRESSED', statusBy: 'slack:U024BE7LH', statusReason: 'sandbox account, torn down Friday', suppressedUntil: '2026-01-12T09:00:00.000Z' }), context);
    expect(allText(suppressed.blocks)).toContain(':zzz: Suppressed until <!date^1768208400');
    expect(allText(suppressed.blocks)).toContain('by <@U024BE7LH>: _sandbox account, torn down Friday_');
  });

  it('escapes what a finding says, so text cannot become a link, a mention or markup', () => {
    const message = findingMessage(event('OPENED', { title: 'Policy <script> & <!channel> <https://evil|click>', resourceId: 'arn:aws:s3:::a>b' }), context);
    const text = allText(message.blocks);
    expect(text).toContain('Policy &lt;script&gt; &amp; &lt;!channel&gt; &lt;https://evil¦click&gt;');
    expect(text).toContain('arn:aws:s3:::a&gt;b');
    expect(text).not.toContain('<!channel>');
  });

  it('fits Slack’s limits however long the finding’s text is', () => {
    // Prepare: text far past every limit, with escapes and emoji at the cut
    const long = `${'&<>'.repeat(2000)}${'😀'.repeat(3000)}`;
    const e = event('ESCALATED', { title: long, resourceId: long, resourceType: long, rule: long, team: long.slice(0, 300), routedBy: long, region: long }, { status: 'OPEN', severity: 'LOW' });
    // Act
    const messages = [
      findingMessage(e, { consoleUrl: `https://example.com/${'x'.repeat(5000)}`, accountName: long, alsoNotify: Array(500).fill('team'), interactive: true, statusNote: long }),
      flappingSummary(e, { ...context, accountName: long, changes: 9, windowMs: 3_600_000 }),
      threadReply(e),
    ];
    // Assess
    for (const m of messages) {
      expect(slackLimitProblems(m)).toEqual([]);
      for (const block of m.blocks) {
        const texts = block.type === 'section' ? [block.text?.text ?? '', ...(block.fields ?? []).map((f) => f.text)] : block.type === 'context' ? block.elements.map((x) => x.text) : [];
        for (const t of texts) {
          // never a broken escape or a lone surrogate
          expect(t).not.toMatch(/&(?!amp;|lt;|gt;)/);
          expect(t).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
        }
      }
    }
  });

  it('clips at code points and never inside an escape', () => {
    expect(clipMrkdwn('abcdef', 6)).toBe('abcdef');
    expect(clipMrkdwn('abcdefg', 6)).toBe('abcde…');
    expect(clipMrkdwn('a&b', 5)).toBe('a…');
    expect(clipMrkdwn('😀😀😀', 4)).toBe('😀…');
  });

  it('a digest lists findings within 50 blocks and 3,000 characters per section, and counts the rest', () => {
    const entries: DigestEntry[] = Array.from({ length: 1000 }, (_, i) => ({
      id: i.toString(16).padStart(32, '0'),
      severity: i % 3 ? 'LOW' : 'MEDIUM',
      title: `S3 bucket ${'b'.repeat(200)}-${i} is not encrypted`,
      accountId: '111122223333',
      region: 'eu-west-1',
      firstSeen: '2026-01-01T00:00:00.000Z',
      consoleUrl: 'https://console.aws.amazon.com/config',
    }));
    const message = digestMessage({ team: 'payments', schedule: 'daily', entries, teamUrl: 'https://vigil.example.com/findings?team=payments', listed: 1000 });
    expect(slackLimitProblems(message)).toEqual([]);
    expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    expect(JSON.stringify(message.blocks.at(-1))).toMatch(/and \d+ more/);
    expect(message.text).toBe('Daily digest for payments: 1000 open findings');
  });

  it('a burst roll-up is one short message with a link to the team’s findings', () => {
    const message = burstRollup({ team: 'payments', threshold: 20, windowStart: '2026-01-05T09:00:00.000Z', windowEnd: '2026-01-05T09:05:00.000Z', teamUrl: 'https://vigil.example.com/findings?team=payments' });
    expect(message.blocks).toHaveLength(1);
    expect(allText(message.blocks)).toContain('<https://vigil.example.com/findings?team=payments|the open findings of payments>');
  });

  it('the limit check names what is wrong', () => {
    const blocks: Block[] = Array.from({ length: 51 }, () => ({ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }));
    const problems = slackLimitProblems({ text: 'x', blocks });
    expect(problems[0]).toBe('51 blocks (max 50)');
    expect(problems[1]).toBe('blocks[0] (section) text has 3001 characters (max 3000)');
  });
});
