import { describe, expect, it } from 'vitest';
import { loadTemplate, tablesFromTemplate, type CfnTemplate } from '../../cli/local/template.js';
import { wiringFromTemplate } from '../../cli/local/wiring.js';
import { checkCommandTable, checkFunctionPermissions, excessGrants, FUNCTION_COMMANDS, type SdkCommand } from '../support/template-checks.js';

/** template.yaml with docs/template-fragments/notifier.yaml merged in, section by section. */
function merged(): CfnTemplate {
  const base = loadTemplate('template.yaml');
  const fragment = loadTemplate('docs/template-fragments/notifier.yaml');
  const out = structuredClone(base) as CfnTemplate & Record<string, Record<string, unknown>>;
  for (const section of ['Parameters', 'Conditions', 'Resources', 'Outputs'] as const) {
    const mine = (fragment as Record<string, Record<string, unknown> | undefined>)[section] ?? {};
    const theirs = (out[section] ??= {});
    for (const [id, value] of Object.entries(mine)) {
      expect(theirs[id], `${section}.${id} is defined twice`).toBeUndefined();
      theirs[id] = value;
    }
  }
  return out;
}

/** A secret is not a resource of the template: its grant is checked by ARN pattern below. */
const SLACK_SECRETS = 'secret:SlackSecretPrefix*';
const BOT_SECRET = 'secret:SlackBotSecretName-??????';

/**
 * What the notification functions send, as FUNCTION_COMMANDS lists it for IngestFunction
 * (to be merged into test/support/template-checks.ts with the fragment).
 */
export const NOTIFICATION_COMMANDS: Readonly<Record<string, readonly SdkCommand[]>> = {
  NotifierFunction: [
    { service: 'dynamodb', operation: 'GetItem', resource: 'FindingsTable' },
    { service: 'dynamodb', operation: 'PutItem', resource: 'FindingsTable' },
    { service: 'dynamodb', operation: 'TransactWriteItems', resource: 'FindingsTable', transactItems: ['Put', 'Update'] },
    { service: 'dynamodb', operation: 'GetItem', resource: 'NotificationsTable' },
    { service: 'dynamodb', operation: 'PutItem', resource: 'NotificationsTable' },
    { service: 'dynamodb', operation: 'UpdateItem', resource: 'NotificationsTable' },
    { service: 'dynamodb', operation: 'TransactWriteItems', resource: 'NotificationsTable', transactItems: ['Put'] },
    { service: 'sns', operation: 'Publish', resource: 'FindingsTopic' },
    { service: 'secretsmanager', operation: 'GetSecretValue', resource: SLACK_SECRETS },
    { service: 'secretsmanager', operation: 'GetSecretValue', resource: BOT_SECRET },
  ],
  DigestFunction: [
    { service: 'dynamodb', operation: 'Query', resource: 'FindingsTable/index/byTeam' },
    { service: 'dynamodb', operation: 'GetItem', resource: 'NotificationsTable' },
    { service: 'dynamodb', operation: 'PutItem', resource: 'NotificationsTable' },
    { service: 'dynamodb', operation: 'UpdateItem', resource: 'NotificationsTable' },
    { service: 'dynamodb', operation: 'TransactWriteItems', resource: 'NotificationsTable', transactItems: ['Put'] },
    { service: 'secretsmanager', operation: 'GetSecretValue', resource: SLACK_SECRETS },
    { service: 'secretsmanager', operation: 'GetSecretValue', resource: BOT_SECRET },
  ],
  SlackInteractionsFunction: [
    { service: 'dynamodb', operation: 'GetItem', resource: 'FindingsTable' },
    { service: 'dynamodb', operation: 'PutItem', resource: 'FindingsTable' },
    // The findings store (read for a finding's console link) may update findings; the grant covers it.
    { service: 'dynamodb', operation: 'UpdateItem', resource: 'FindingsTable' },
    { service: 'dynamodb', operation: 'TransactWriteItems', resource: 'FindingsTable', transactItems: ['Put', 'Update'] },
    { service: 'secretsmanager', operation: 'GetSecretValue', resource: BOT_SECRET },
  ],
};

const notASecret = (problem: string) => !/targets secret:/.test(problem);

describe('meta: the notifier template fragment, merged into template.yaml', () => {
  const template = merged();
  const table = { ...FUNCTION_COMMANDS, ...NOTIFICATION_COMMANDS };

  it('lists exactly the SDK commands each notification function’s code sends', () => {
    expect(checkCommandTable(template, table)).toEqual([]);
  });

  it('allows every command on its resource, and nothing on Resource *', () => {
    expect(checkFunctionPermissions(template, table).filter(notASecret)).toEqual([]);
  });

  it('grants nothing the notification functions do not send (the SNS on-failure and KMS grants serve the platform)', () => {
    const mine = excessGrants(template, NOTIFICATION_COMMANDS);
    expect(mine).toEqual([]);
  });

  it('feeds NotifierFunction from the findings table’s stream, as the local runtime reads it', () => {
    const notifier = wiringFromTemplate(template).functions.find((f) => f.logicalId === 'NotifierFunction');
    expect(notifier).toMatchObject({ entryPoint: 'functions/notifier/handler.ts', streams: [{ table: 'FindingsTable', batchSize: 100 }] });
    const mapping = (template.Resources.NotifierFunction!.Properties!.Events as Record<string, { Properties: Record<string, unknown> }>).FindingsStream!.Properties;
    expect(mapping).toMatchObject({ FunctionResponseTypes: ['ReportBatchItemFailures'], ParallelizationFactor: 1, BisectBatchOnFunctionError: true, DestinationConfig: { OnFailure: { Type: 'SQS' } } });
  });

  it('creates the notifications table locally from the fragment: keys, TTL, no stream', () => {
    const [notifications] = tablesFromTemplate(loadTemplate('docs/template-fragments/notifier.yaml'), (id) => id);
    expect(notifications).toMatchObject({ logicalId: 'NotificationsTable', ttlAttribute: 'expiresAt', input: { KeySchema: [{ AttributeName: 'pk' }, { AttributeName: 'sk' }] } });
    expect(notifications!.input.StreamSpecification).toBeUndefined();
  });

  it('encrypts the findings topic with the Vigil key and alarms on dead letters', () => {
    expect(template.Resources.FindingsTopic!.Properties).toMatchObject({ KmsMasterKeyId: { Ref: 'VigilKey' } });
    expect(template.Resources.NotificationsDeadLetteredAlarm!.Properties).toMatchObject({ MetricName: 'NotificationsDeadLettered', Dimensions: [{ Name: 'service', Value: 'notifier' }], AlarmActions: [{ Ref: 'AlarmTopic' }] });
  });
});
