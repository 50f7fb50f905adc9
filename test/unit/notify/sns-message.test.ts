import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { snsPublishInput, snsSubject } from '../../../functions/shared/core/notify/sns-message.js';
import { event } from '../../support/notify-fakes.js';

const schema = JSON.parse(readFileSync('docs/notifications/sns-message.schema.json', 'utf8'));
const validate = new Ajv({ allErrors: true }).compile(schema);
const TOPIC = 'arn:aws:sns:eu-west-1:999988887777:vigil-FindingsTopic-1A2B3C';

describe('notify: SNS message', () => {
  it('carries the finding and the transition, with filterable attributes', () => {
    // Act
    const input = snsPublishInput(event('ESCALATED', { severity: 'CRITICAL', transition: 'ESCALATED', transitionAt: '2026-01-06T00:00:00.000Z', version: 3 }, { status: 'NOTIFIED', severity: 'HIGH' }), {
      topicArn: TOPIC,
      consoleUrl: 'https://eu-west-1.console.aws.amazon.com/guardduty/home?region=eu-west-1#/findings',
      accountName: 'payments-prod',
      alsoNotify: ['security'],
    });
    // Assess
    expect(input).toEqual({
      TopicArn: TOPIC,
      Subject: '[CRITICAL] Escalated: Unprotected port on EC2 instance i-0abc is being probed',
      Message: JSON.stringify({
        schemaVersion: '1.0',
        type: 'vigil.finding.transition',
        notificationId: '0123456789abcdef0123456789abcdef#3',
        transition: { kind: 'ESCALATED', at: '2026-01-06T00:00:00.000Z', from: { status: 'NOTIFIED', severity: 'HIGH' }, to: { status: 'OPEN', severity: 'CRITICAL' } },
        finding: {
          id: '0123456789abcdef0123456789abcdef',
          source: 'aws.guardduty',
          rule: 'Recon:EC2/PortProbeUnprotectedPort',
          title: 'Unprotected port on EC2 instance i-0abc is being probed',
          severity: 'CRITICAL',
          status: 'OPEN',
          account: { id: '111122223333', name: 'payments-prod' },
          region: 'eu-west-1',
          resource: { type: 'Instance', id: 'i-0abc1234def567890' },
          firstSeen: '2026-01-05T09:00:00.000Z',
          lastSeen: '2026-01-05T09:00:00.000Z',
          count: 1,
          reopenCount: 0,
          version: 3,
          consoleUrl: 'https://eu-west-1.console.aws.amazon.com/guardduty/home?region=eu-west-1#/findings',
        },
        routing: { team: 'payments', routedBy: 'account-tag:owner-team', alsoNotify: ['security'] },
      }),
      MessageAttributes: {
        team: { DataType: 'String', StringValue: 'payments' },
        severity: { DataType: 'String', StringValue: 'CRITICAL' },
        source: { DataType: 'String', StringValue: 'aws.guardduty' },
        account: { DataType: 'String', StringValue: '111122223333' },
        transition: { DataType: 'String', StringValue: 'ESCALATED' },
      },
    });
    expect(validate(JSON.parse(input.Message)), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each(['OPENED', 'REOPENED', 'RESOLVED', 'SUPPRESSED'] as const)('a %s message follows the schema', (kind) => {
    const e = event(kind, kind === 'SUPPRESSED' ? { status: 'SUPPRESSED', statusBy: 'slack:U1', statusReason: 'sandbox', suppressedUntil: '2026-02-01T00:00:00.000Z', sample: true, assignee: 'slack:U2' } : {});
    const body = JSON.parse(snsPublishInput(e, { topicArn: TOPIC, consoleUrl: 'https://console.aws.amazon.com', alsoNotify: [] }).Message);
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
    expect(body.transition.from).toBeNull();
  });

  it('the schema refuses what consumers could not rely on', () => {
    const body = JSON.parse(snsPublishInput(event('OPENED'), { topicArn: TOPIC, consoleUrl: 'https://console.aws.amazon.com', alsoNotify: [] }).Message);
    expect(validate({ ...body, schemaVersion: '2.0' })).toBe(false);
    expect(validate({ ...body, finding: { ...body.finding, severity: 'SEVERE' } })).toBe(false);
    expect(validate({ ...body, extra: 1 })).toBe(false);
  });

  it('subjects are printable ASCII under 100 characters', () => {
    expect(snsSubject('[HIGH] Opened: Zugriff auf Schlüssel „prod“\nverweigert')).toBe('[HIGH] Opened: Zugriff auf Schlussel prod verweigert');
    expect(snsSubject(`[LOW] Opened: ${'x'.repeat(200)}`)).toHaveLength(99);
  });
});
