import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageTone, startSlackServer, type LocalSlackServer } from '../../../cli/local/slack-server.js';
import { burstRollup, findingMessage, threadReply } from '../../../functions/shared/core/notify/slack-blocks.js';
import { event } from '../../support/notify-fakes.js';

const context = { consoleUrl: 'https://console.aws.amazon.com' };

describe('local Slack page', () => {
  it('colours a message by the severity or outcome its first line announces', () => {
    // Prepare
    const burst = burstRollup({ team: 'payments', threshold: 20, windowStart: '2026-03-02T08:10:00Z', windowEnd: '2026-03-02T08:15:00Z', teamUrl: 'https://vigil.example.com' });
    // Act, Assess
    expect(messageTone(findingMessage(event('OPENED', { severity: 'HIGH' }), context))).toBe('high');
    expect(messageTone(findingMessage(event('ESCALATED', { severity: 'CRITICAL' }, { severity: 'HIGH', status: 'OPEN' }), context))).toBe('critical');
    expect(messageTone(findingMessage(event('OPENED', { severity: 'LOW' }), context))).toBe('low');
    expect(messageTone(findingMessage(event('RESOLVED', { severity: 'CRITICAL', status: 'RESOLVED' }), context))).toBe('resolved');
    expect(messageTone(threadReply(event('RESOLVED', { status: 'RESOLVED' })))).toBe('resolved');
    expect(messageTone(findingMessage(event('SUPPRESSED', { status: 'SUPPRESSED' }), context))).toBe('suppressed');
    expect(messageTone(burst)).toBe('other');
    expect(messageTone({ text: 'plain text, no blocks', blocks: [] })).toBe('other');
  });

  describe('served at /', () => {
    let server: LocalSlackServer;

    beforeAll(async () => {
      server = await startSlackServer();
      for (const [team, severity] of [['payments', 'HIGH'], ['data', 'MEDIUM'], ['payments', 'CRITICAL']] as const) {
        const message = findingMessage(event('OPENED', { team, severity, title: `${severity} finding of ${team}` }), context);
        const response = await fetch(server.webhookUrl(team), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
        expect(response.status).toBe(200);
      }
    });

    afterAll(async () => {
      await server.stop();
    });

    it("lists the channels with their counts and shows one channel's messages when asked", async () => {
      // Act
      const all = await (await fetch(`${server.url}/`)).text();
      const payments = await (await fetch(`${server.url}/?channel=${encodeURIComponent('webhook:payments')}`)).text();
      // Assess
      expect(all.match(/<article /g)).toHaveLength(3);
      expect(all).toMatch(/<span>#data<\/span><span class="count">1<\/span>/);
      expect(all).toMatch(/<span>#payments<\/span><span class="count">2<\/span>/);
      expect(payments.match(/<article /g)).toHaveLength(2);
      expect(payments).toContain('HIGH finding of payments');
      expect(payments).toContain('CRITICAL finding of payments');
      expect(payments).not.toContain('MEDIUM finding of data');
      expect(payments).toMatch(/<a href="\/\?channel=webhook%3Apayments" class="selected">/);
      expect([...payments.matchAll(/data-tone="(\w+)"/g)].map((m) => m[1])).toEqual(['high', 'critical']);
    });
  });
});
