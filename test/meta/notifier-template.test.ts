import { describe, expect, it } from 'vitest';
import { loadTemplate, tablesFromTemplate } from '../../cli/local/template.js';
import { wiringFromTemplate } from '../../cli/local/wiring.js';
import { checkCommandTable, checkFunctionPermissions, excessGrants, FUNCTION_COMMANDS } from '../support/template-checks.js';



/**
 * What the notification functions send, as FUNCTION_COMMANDS lists it for IngestFunction
 * (to be merged into test/support/template-checks.ts with the fragment).
 */


describe('meta: the notification functions in template.yaml', () => {
  const template = loadTemplate('template.yaml');
  const table = FUNCTION_COMMANDS;
  const NOTIFICATION_COMMANDS = Object.fromEntries(['NotifierFunction', 'DigestFunction', 'SlackInteractionsFunction'].map((fn) => [fn, FUNCTION_COMMANDS[fn]!]));

  it('lists exactly the SDK commands each notification function’s code sends', () => {
    expect(checkCommandTable(template, table)).toEqual([]);
  });

  it('allows every command on its resource, and nothing on Resource *', () => {
    expect(checkFunctionPermissions(template, table)).toEqual([]);
  });

  it('grants nothing the notification functions do not send (the SNS on-failure and KMS grants serve the platform)', () => {
    const mine = excessGrants(template, NOTIFICATION_COMMANDS);
    expect(mine).toEqual([]);
  });

  it('feeds NotifierFunction from the findings table’s stream, as the local runtime reads it', () => {
    const notifier = wiringFromTemplate(template).functions.find((f) => f.logicalId === 'NotifierFunction');
    expect(notifier).toMatchObject({ entryPoint: 'functions/notifier/handler.ts', streams: [{ table: 'FindingsTable', batchSize: 100 }] });
    const mapping = (template.Resources.NotifierFunction!.Properties!.Events as Record<string, { Properties: Record<string, unknown> }>).FindingsStream!.Properties;
    expect(mapping).toMatchObject({ FunctionResponseTypes: ['ReportBatchItemFailures'], ParallelizationFactor: 4, BisectBatchOnFunctionError: true, DestinationConfig: { OnFailure: { Type: 'SQS' } } });
  });

  it('creates the notifications table locally from the fragment: keys, TTL, no stream', () => {
    const notifications = tablesFromTemplate(template, (id) => id).find((t) => t.logicalId === 'NotificationsTable');
    expect(notifications).toMatchObject({ logicalId: 'NotificationsTable', ttlAttribute: 'expiresAt', input: { KeySchema: [{ AttributeName: 'pk' }, { AttributeName: 'sk' }] } });
    expect(notifications!.input.StreamSpecification).toBeUndefined();
  });

  it('encrypts the findings topic with the Vigil key and alarms on dead letters', () => {
    expect(template.Resources.FindingsTopic!.Properties).toMatchObject({ KmsMasterKeyId: { Ref: 'VigilKey' } });
    expect(template.Resources.NotificationsDeadLetteredAlarm!.Properties).toMatchObject({ MetricName: 'NotificationsDeadLettered', Dimensions: [{ Name: 'service', Value: 'notifier' }], AlarmActions: [{ Ref: 'AlarmTopic' }] });
  });
});
