import { describe, expect, it } from 'vitest';
import { inQuietHours, planDeliveries } from '../../../functions/shared/core/notify/plan.js';
import { staticRouting } from '../../../functions/shared/core/notify/routing-port.js';
import type { RoutingExtras } from '../../../functions/shared/core/notify/types.js';
import { event, team } from '../../support/notify-fakes.js';

const NOON = new Date('2026-01-05T12:00:00.000Z');
const none: RoutingExtras = { alsoNotify: [], staged: false };
const summary = (plans: ReturnType<typeof planDeliveries>) => plans.map((p) => `${p.channel}:${p.action}${p.action === 'skip' ? `:${p.reason}` : ''}`);

describe('notify: who hears of a transition', () => {
  it('the topic and the owner’s channel by default', () => {
    const plans = planDeliveries(event('OPENED'), none, staticRouting([team('payments')]), NOON);
    expect(summary(plans)).toEqual(['sns:send', 'slack:payments:send']);
  });

  it('minSeverity: below it, Slack holds back (the digest has it); the topic still gets it', () => {
    const routing = staticRouting([team('payments', { minSeverity: 'HIGH' })]);
    expect(summary(planDeliveries(event('OPENED', { severity: 'MEDIUM' }), none, routing, NOON))).toEqual(['sns:send', 'slack:payments:skip:below-min-severity']);
    expect(summary(planDeliveries(event('OPENED', { severity: 'HIGH' }), none, routing, NOON))).toEqual(['sns:send', 'slack:payments:send']);
  });

  it('alsoNotify teams each decide by their own settings; the owner is never told twice', () => {
    const routing = staticRouting([team('payments'), team('security', { minSeverity: 'CRITICAL' }), team('audit', { slack: undefined })]);
    const plans = planDeliveries(event('OPENED'), { alsoNotify: ['security', 'audit', 'payments', 'ghost'], staged: false }, routing, NOON);
    expect(summary(plans)).toEqual(['sns:send', 'slack:payments:send', 'slack:security:skip:below-min-severity', 'slack:audit:skip:no-slack-channel', 'slack:ghost:skip:unknown-team']);
  });

  it('staging: every channel is staged (recorded as "would have sent"), nothing is sent', () => {
    const plans = planDeliveries(event('OPENED'), { alsoNotify: ['security'], staged: true }, staticRouting([team('payments'), team('security')]), NOON);
    expect(summary(plans)).toEqual(['sns:stage', 'slack:payments:stage', 'slack:security:stage']);
  });

  it('a configured suppression silences every channel; a person’s suppression silences escalations only', () => {
    const routing = staticRouting([team('payments')]);
    expect(summary(planDeliveries(event('OPENED'), { ...none, suppressedBy: { id: 'sandbox', reason: 'sandbox accounts' } }, routing, NOON))).toEqual(['sns:skip:suppressed', 'slack:payments:skip:suppressed']);
    const suppressed = { status: 'SUPPRESSED' as const, suppressedUntil: '2026-02-01T00:00:00.000Z', transition: 'ESCALATED' as const, transitionAt: '2026-01-05T11:00:00.000Z' };
    expect(summary(planDeliveries(event('ESCALATED', suppressed), none, routing, NOON))).toEqual(['sns:skip:suppressed', 'slack:payments:skip:suppressed']);
    // expired suppression: announced again
    expect(summary(planDeliveries(event('ESCALATED', { ...suppressed, suppressedUntil: '2026-01-05T10:00:00.000Z' }), none, routing, NOON))).toEqual(['sns:send', 'slack:payments:send']);
    // resolution of a suppressed finding closes the loop
    expect(summary(planDeliveries(event('RESOLVED', { status: 'RESOLVED', transition: 'RESOLVED' }), none, routing, NOON))).toEqual(['sns:send', 'slack:payments:send']);
  });

  it('an owner without configuration: the default team hears of it instead', () => {
    const routing = { ...staticRouting([team('security')]), defaultTeam: () => 'security' };
    expect(summary(planDeliveries(event('OPENED', { team: 'paymnets' }), none, routing, NOON))).toEqual(['sns:send', 'slack:paymnets:skip:unknown-team', 'slack:security:send']);
  });

  it('a finding created or reopened under a suppression is not announced', () => {
    const routing = staticRouting([team('payments')]);
    const suppressed = { status: 'SUPPRESSED' as const, suppressedBy: 'config:sandbox-static-sites', suppressedUntil: '2027-03-31T00:00:00.000Z' };
    expect(summary(planDeliveries(event('OPENED', suppressed), none, routing, NOON))).toEqual(['sns:skip:suppressed', 'slack:payments:skip:suppressed']);
    expect(summary(planDeliveries(event('REOPENED', suppressed), none, routing, NOON))).toEqual(['sns:skip:suppressed', 'slack:payments:skip:suppressed']);
  });

  it('quiet rules: a muted rule is never announced to the team', () => {
    const routing = staticRouting([team('payments', { quiet: { rules: ['Recon:EC2/*'] } })]);
    expect(summary(planDeliveries(event('OPENED'), none, routing, NOON))).toEqual(['sns:send', 'slack:payments:skip:muted-rule']);
  });

  it('quiet hours hold back below exceptMinSeverity, in the team’s time zone', () => {
    const routing = staticRouting([team('payments', { quiet: { hours: { from: '22:00', to: '07:00', timezone: 'Europe/Berlin' }, exceptMinSeverity: 'CRITICAL' } })]);
    const night = new Date('2026-01-05T22:30:00.000Z'); // 23:30 in Berlin
    expect(summary(planDeliveries(event('OPENED'), none, routing, night))).toEqual(['sns:send', 'slack:payments:skip:quiet-hours']);
    expect(summary(planDeliveries(event('OPENED', { severity: 'CRITICAL' }), none, routing, night))).toEqual(['sns:send', 'slack:payments:send']);
    expect(summary(planDeliveries(event('OPENED'), none, routing, NOON))).toEqual(['sns:send', 'slack:payments:send']);
  });

  it('quiet hours: windows within a day and across midnight', () => {
    const at = (hhmm: string) => new Date(`2026-01-05T${hhmm}:00.000Z`);
    expect(inQuietHours({ from: '22:00', to: '07:00' }, at('23:59'))).toBe(true);
    expect(inQuietHours({ from: '22:00', to: '07:00' }, at('06:59'))).toBe(true);
    expect(inQuietHours({ from: '22:00', to: '07:00' }, at('07:00'))).toBe(false);
    expect(inQuietHours({ from: '12:00', to: '14:00' }, at('13:00'))).toBe(true);
    expect(inQuietHours({ from: '12:00', to: '14:00' }, at('14:00'))).toBe(false);
    expect(inQuietHours({ from: '09:00', to: '09:00' }, at('09:00'))).toBe(false);
  });
});
