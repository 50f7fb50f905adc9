import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoFindingStore } from '../../functions/shared/adapters/dynamodb-finding-store.js';
import { ingestEvent, type IngestDeps } from '../../functions/shared/core/ingest.js';
import { normalizeEvent } from '../../functions/shared/core/normalizers/index.js';
import { corpusEvents, loadEvent } from '../support/events.js';
import { freshTables, localDocumentClient } from '../support/tables.js';

const db = localDocumentClient();
let table: string;
let deps: IngestDeps;

type Json = Record<string, unknown>;

/** The Security Hub import of a Config-backed control for an S3 bucket (AWS Security Hub guide). */
function securityHubControl(): Json {
  const line = corpusEvents('securityhub/eventbridge-derived').find((e) => e.origin.endsWith('awsdocs.eventbridge.jsonl:6'));
  if (!line) throw new Error('corpus line missing');
  return structuredClone(line.event);
}

/**
 * The Config evaluation behind that control, for the same rule and resource. The corpus
 * has no natural pair, so it takes the shape of a real corpus Config event and the
 * rule, account, Region and resource the Security Hub finding names.
 */
function configEvaluation(updatedAt: string): Json {
  const event = structuredClone(loadEvent('corpus/config/eventbridge/nzism-remediation-lab__poc_queue_sample.json')) as Json & { detail: Json };
  const detail = event.detail as Json & { newEvaluationResult: Json };
  Object.assign(event, { account: '123456789012', region: 'eu-central-1', id: `config-pair-${updatedAt}` });
  Object.assign(detail, {
    awsAccountId: '123456789012',
    awsRegion: 'eu-central-1',
    configRuleName: 's3-bucket-level-public-access-prohibited-config-integration-demo',
    configRuleARN: 'arn:aws:config:eu-central-1:123456789012:config-rule/config-rule-mburzq',
    resourceType: 'AWS::S3::Bucket',
    resourceId: 'config-integration-demo-bucket',
  });
  detail.newEvaluationResult = { ...detail.newEvaluationResult, complianceType: 'NON_COMPLIANT', resultRecordedTime: updatedAt };
  return event;
}

/** A GuardDuty event and the Security Hub import of the same finding (AWS GuardDuty guide's ASFF example). */
function guardDutyPair(): { guardduty: Json; securityhub: Json } {
  const sh = corpusEvents('securityhub/eventbridge-derived').find((e) => JSON.stringify(e.event).includes('arn:aws::guardduty'));
  if (!sh) throw new Error('corpus GuardDuty ASFF missing');
  const finding = ((sh.event.detail as Json).findings as Json[])[0]!;
  const gd = structuredClone(loadEvent('corpus/guardduty/eventbridge/cloud-custodian__ec2-duty-event.json')) as Json & { detail: Json };
  const gdId = String(finding.Id).split('/').pop()!;
  const result = normalizeEvent(sh.event);
  if (result.kind !== 'findings') throw new Error('expected a finding');
  const o = result.observations[0]!;
  Object.assign(gd.detail, { id: gdId, accountId: o.accountId, region: o.region, updatedAt: '2020-09-30T12:14:00.206Z', createdAt: '2020-08-22T09:34:34.146Z' });
  (gd.detail.service as Json).count = 74;
  return { guardduty: gd, securityhub: structuredClone(sh.event) };
}

async function findingItems() {
  const out = await db.send(new QueryCommand({ TableName: table, IndexName: 'byAccount', KeyConditionExpression: 'gsi2pk = :a', ExpressionAttributeValues: { ':a': 'A#123456789012' } }));
  return out.Items ?? [];
}

describe('one finding per problem across sources (DynamoDB Local)', () => {
  beforeEach(async () => {
    table = (await freshTables()).FindingsTable!;
    deps = { store: new DynamoFindingStore({ tableName: table, client: db }), route: () => ({ team: 'security', routedBy: 'default' }) };
  });

  it.each([
    ['Security Hub first', ['sh', 'config']],
    ['Config first', ['config', 'sh']],
  ])('a Security Hub control and its Config rule evaluation end as one finding (%s)', async (_name, order) => {
    // Prepare
    const sh = securityHubControl();
    const shTime = String((((sh.detail as Json).findings as Json[])[0] as Json).UpdatedAt);
    const events: Record<string, Json> = { sh, config: configEvaluation(new Date(Date.parse(shTime) + 60_000).toISOString()) };
    // Act
    for (const which of order) await ingestEvent(events[which], deps);
    // Assess
    const items = (await findingItems()).filter((i) => String(i.resourceId) === 'config-integration-demo-bucket');
    expect(items).toHaveLength(1);
    const item = (await db.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk AND sk = :f', ExpressionAttributeValues: { ':pk': `F#${items[0]!.id}`, ':f': 'F' } }))).Items![0]!;
    expect(item).toMatchObject({ source: 'aws.config', sources: ['aws.config', 'aws.securityhub'], status: 'OPEN', count: 2, resourceType: 'AWS::S3::Bucket' });
  });

  it('a GuardDuty finding and its Security Hub copy are one finding, in either order', async () => {
    const { guardduty, securityhub } = guardDutyPair();
    for (const order of [[guardduty, securityhub], [securityhub, guardduty]]) {
      table = (await freshTables()).FindingsTable!;
      deps = { store: new DynamoFindingStore({ tableName: table, client: db }), route: () => ({ team: 'security', routedBy: 'default' }) };
      const outcomes = [];
      for (const event of order) outcomes.push(await ingestEvent(event, deps));
      const ids = outcomes.flatMap((o) => (o.kind === 'findings' ? o.findings.map((f) => f.id) : []));
      expect(new Set(ids).size).toBe(1);
      expect(outcomes.map((o) => (o.kind === 'findings' ? o.findings[0]!.decision : o.kind))[0]).toBe('create');
      const item = (await db.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk AND sk = :f', ExpressionAttributeValues: { ':pk': `F#${ids[0]}`, ':f': 'F' } }))).Items![0]!;
      expect(item).toMatchObject({ source: 'aws.guardduty', sources: ['aws.guardduty', 'aws.securityhub'], sourceStatus: 'OPEN' });
    }
  });
});
