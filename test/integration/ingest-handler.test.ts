import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { corpusEvents, loadEvent, ingestStream } from '../support/events.js';
import { lambdaContext, sqsEvent, sqsRecord, type IngestHandler } from '../support/sqs.js';
import { freshTables, localDocumentClient } from '../support/tables.js';
import { tableState } from '../support/table-state.js';

const db = localDocumentClient();
let tableName: string;
let handler: IngestHandler;

/** The real Lambda handler module, configured as template.yaml configures it, against DynamoDB Local. */
async function loadHandler(table: string): Promise<IngestHandler> {
  process.env.TABLE_NAME = table;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = inject('dynamoEndpoint');
  process.env.DEFAULT_TEAM = 'security';
  const { vi } = await import('vitest');
  vi.resetModules();
  return (await import('../../functions/ingest/handler.js')).handler as unknown as IngestHandler;
}


/**
 * 5 Config findings (the sixth event is a COMPLIANT result for a resource never seen
 * failing, which creates nothing) and 13 GuardDuty findings (the six Panther
 * PrivilegeEscalation samples share one finding id, as do the two Sekoia EKS samples).
 */
const EXPECTED_FINDINGS = 18;

async function ingest(events: unknown[], batchSize = 10) {
  const failures: string[] = [];
  for (let i = 0; i < events.length; i += batchSize) {
    const response = await handler(sqsEvent(events.slice(i, i + batchSize)), lambdaContext());
    failures.push(...response.batchItemFailures.map((f) => f.itemIdentifier));
  }
  return failures;
}

function shuffled<T>(items: T[], seed: number): T[] {
  const copy = [...items];
  let s = seed;
  for (let i = copy.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/** The state a person would see: findings without the write-order bookkeeping. */
async function findingsView(table: string) {
  return (await tableState(db, table))
    .filter((item) => item.sk === 'F')
    .map(({ id, status, severity, title, firstSeen, lastSeen, count, accountId, region, resourceId, team }) => ({ id, status, severity, title, firstSeen, lastSeen, count, accountId, region, resourceId, team }));
}

describe('ingest handler on DynamoDB Local', () => {
  beforeAll(async () => {
    tableName = (await freshTables()).FindingsTable!;
    handler = await loadHandler(tableName);
  });

  beforeEach(async () => {
    tableName = (await freshTables()).FindingsTable!;
    handler = await loadHandler(tableName);
  });

  it('stores every corpus finding once, with history, and reports no failure', async () => {
    // Act: one record per batch, so that history comes out in delivery order
    const failures = await ingest(ingestStream(), 1);
    // Assess
    expect(failures).toEqual([]);
    const findings = await findingsView(tableName);
    expect(findings.filter((f) => String(f.id).length === 32)).toHaveLength(EXPECTED_FINDINGS);
    const gd = findings.find((f) => f.id === 'deb45d88a09ba37415f4804a95d5da8a');
    expect(gd).toMatchObject({ status: 'RESOLVED', severity: 'HIGH', count: 9, lastSeen: '2017-12-10T03:32:49.862Z', firstSeen: '2017-12-08T15:32:49.862Z', team: 'security' });
    const history = await db.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :h)', ExpressionAttributeValues: { ':pk': `F#${gd!.id}`, ':h': 'H#' } }));
    expect(history.Items?.map((h) => h.kind)).toEqual(['opened', 'escalated', 'resolved']);
  });

  it('replaying the stream twice gives the same table state', async () => {
    // Prepare
    const stream = ingestStream();
    await ingest(stream);
    const once = await tableState(db, tableName);
    // Act
    const failures = await ingest(stream);
    // Assess
    expect(failures).toEqual([]);
    expect(await tableState(db, tableName)).toEqual(once);
  });

  it('shuffled delivery gives the same findings as ordered delivery', async () => {
    const stream = ingestStream();
    await ingest(stream);
    const ordered = await findingsView(tableName);
    for (const seed of [7, 42, 1234]) {
      const table = (await freshTables()).FindingsTable!;
      handler = await loadHandler(table);
      await ingest(shuffled(stream, seed), 7);
      expect(await findingsView(table), `seed ${seed}`).toEqual(ordered);
    }
  });

  it('quarantines invalid and unknown events with their reason and stores the rest of the batch', async () => {
    // Prepare
    const good = loadEvent('corpus/config/eventbridge/nzism-remediation-lab__poc_queue_sample.json');
    const unknownType = { ...good, 'detail-type': 'EC2 Instance State-change Notification', source: 'aws.ec2' };
    const noRule = structuredClone(good) as { detail: Record<string, unknown> };
    delete noRule.detail.configRuleName;
    const records = [sqsRecord(good), sqsRecord('{"truncated": '), sqsRecord(unknownType), sqsRecord(noRule), sqsRecord([1, 2])];
    // Act
    const response = await handler({ Records: records }, lambdaContext());
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const items = await tableState(db, tableName);
    const quarantined = items.filter((i) => String(i.pk).startsWith('Q#'));
    expect(quarantined.map((q) => [q.origin, q.reason]).sort()).toEqual(
      [
        [`sqs:${records[1]!.messageId}`, 'not-json'],
        [`sqs:${records[2]!.messageId}`, 'unknown-event-type'],
        [`sqs:${records[3]!.messageId}`, 'invalid-detail'],
        [`sqs:${records[4]!.messageId}`, 'not-an-event'],
      ].sort(),
    );
    const invalid = quarantined.find((q) => q.reason === 'invalid-detail')!;
    expect(invalid.detail).toMatch(/detail\.configRuleName/);
    expect(invalid.body).toBe(records[3]!.body);
    expect(invalid).toMatchObject({ source: 'aws.config', detailType: 'Config Rules Compliance Change' });
    expect(items.filter((i) => i.sk === 'F')).toHaveLength(1);
  });

  it('reports a poisoned record as the only failure of its batch', async () => {
    // Prepare: a body too large to quarantine whole in DynamoDB; it must stay in SQS (and reach the DLQ).
    const good = corpusEvents('guardduty').slice(0, 3).map((e) => sqsRecord(e.event));
    const poison = sqsRecord(`{"x":"${'a'.repeat(400 * 1024)}"}`);
    const records = [good[0]!, poison, good[1]!, good[2]!];
    // Act
    const response = await handler({ Records: records }, lambdaContext());
    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: poison.messageId }]);
    const items = await tableState(db, tableName);
    expect(items.filter((i) => i.sk === 'F')).toHaveLength(3);
  });

  it('routes by the directory and quarantines an account outside the organization', async () => {
    // Prepare: a directory in the table, as the directory sync writes it
    const { DynamoDirectoryStore } = await import('../../functions/shared/adapters/directory-store.js');
    await new DynamoDirectoryStore({ tableName, client: db }).sync([
      { id: '111111111111', name: 'payments-prod', email: 'aws+payments@example.com', status: 'ACTIVE', ouPath: '/Root/Workloads/Payments', tags: { 'owner-team': 'payments' } },
      { id: '883606788610', name: 'data-lake', email: 'aws+data@example.com', status: 'ACTIVE', ouPath: '/Root/Workloads/Data', tags: {} },
    ]);
    handler = await loadHandler(tableName);
    const tagged = loadEvent('corpus/guardduty/eventbridge-derived/sekoia-intake-formats__event_instance_portprobe__Recon_EC2_PortProbeUnprotectedPort.json');
    const byOu = loadEvent('corpus/guardduty/eventbridge/cloud-custodian__ec2-duty-event.json');
    const outsider = loadEvent('corpus/config/eventbridge/nzism-remediation-lab__poc_queue_sample.json');
    const records = [sqsRecord(tagged), sqsRecord(byOu), sqsRecord(outsider)];
    // Act
    const response = await handler({ Records: records }, lambdaContext());
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const items = await tableState(db, tableName);
    const findings = items.filter((i) => i.sk === 'F');
    expect(findings.map((f) => [f.accountId, f.team, f.routedBy]).sort()).toEqual([
      ['111111111111', 'payments', 'account-tag:owner-team'],
      ['883606788610', 'data', 'ou:/Root/Workloads/Data'],
    ]);
    const quarantined = items.filter((i) => String(i.pk).startsWith('Q#'));
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]).toMatchObject({ reason: 'account-not-in-organization', origin: `sqs:${records[2]!.messageId}`, detail: "account 746869318262 is not in the organization's directory" });
  });

  it('records each forwarder heartbeat; an older one never moves the time back', async () => {
    // Prepare: the member forwarder's hourly schedule event, delivered late and out of order
    const beat = (time: string) => ({
      version: '0',
      id: `hb-${time}`,
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '111111111111',
      time,
      region: 'eu-west-1',
      resources: ['arn:aws:events:eu-west-1:111111111111:rule/vigil-heartbeat'],
      detail: {},
    });
    // Act
    const response = await handler(sqsEvent([beat('2026-11-21T10:00:00Z')]), lambdaContext());
    await handler(sqsEvent([beat('2026-11-21T11:00:00Z')]), lambdaContext());
    await handler(sqsEvent([beat('2026-11-21T09:00:00Z')]), lambdaContext());
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const { loadHeartbeats } = await import('../../functions/shared/adapters/heartbeat-reader.js');
    expect(await loadHeartbeats(db, tableName)).toEqual([{ accountId: '111111111111', region: 'eu-west-1', lastHeartbeat: '2026-11-21T11:00:00.000Z' }]);
  });

  it('with HEARTBEAT_RECORD_MINUTES, writes a heartbeat only when the recorded one is older than that, and reads the others', async () => {
    // Prepare: the template's 90 minutes; a fresh process for each delivery, so each one reads the table
    process.env.HEARTBEAT_RECORD_MINUTES = '90';
    const beat = (time: string) => ({ version: '0', id: `hb-${time}`, 'detail-type': 'Scheduled Event', source: 'aws.events', account: '111111111111', time, region: 'eu-west-1', resources: ['arn:aws:events:eu-west-1:111111111111:rule/vigil-heartbeat'], detail: {} });
    const { loadHeartbeats } = await import('../../functions/shared/adapters/heartbeat-reader.js');
    const recordedAfter = async (time: string) => {
      handler = await loadHandler(tableName);
      expect((await handler(sqsEvent([beat(time)]), lambdaContext())).batchItemFailures).toEqual([]);
      return (await loadHeartbeats(db, tableName))[0]?.lastHeartbeat;
    };
    try {
      // Act, Assess: 11:00 is 60 minutes after the recorded 10:00 (read, not written); 12:00 is 120 (written)
      expect(await recordedAfter('2026-11-21T10:00:00Z')).toBe('2026-11-21T10:00:00.000Z');
      expect(await recordedAfter('2026-11-21T11:00:00Z')).toBe('2026-11-21T10:00:00.000Z');
      expect(await recordedAfter('2026-11-21T12:00:00Z')).toBe('2026-11-21T12:00:00.000Z');
      expect(await recordedAfter('2026-11-21T09:00:00Z')).toBe('2026-11-21T12:00:00.000Z');
      // One process: the second heartbeat is known without a read
      handler = await loadHandler(tableName);
      await handler(sqsEvent([beat('2026-11-21T14:00:00Z')]), lambdaContext());
      await handler(sqsEvent([beat('2026-11-21T15:00:00Z')]), lambdaContext());
      expect((await loadHeartbeats(db, tableName))[0]?.lastHeartbeat).toBe('2026-11-21T14:00:00.000Z');
    } finally {
      delete process.env.HEARTBEAT_RECORD_MINUTES;
    }
  });

  it('never puts an older observation\'s detail over a newer one\'s, and skips it when the text is unchanged', async () => {
    // Prepare: a store on the test table, and a Config finding's first observation
    const { DynamoFindingStore } = await import('../../functions/shared/adapters/dynamodb-finding-store.js');
    const { DEFAULT_FOLD_OPTIONS, fold } = await import('../../functions/shared/core/lifecycle.js');
    const puts: string[] = [];
    const store = new DynamoFindingStore({ tableName, client: db, onConsumedCapacity: (operation) => puts.push(operation) });
    const options = { ...DEFAULT_FOLD_OPTIONS, ownership: { team: 'security', routedBy: 'default' } };
    const base = { id: 'a'.repeat(32), source: 'aws.config' as const, ocsfClass: 'Compliance Finding' as const, rule: 'r', accountId: '111111111111', region: 'eu-west-1', severity: 'MEDIUM' as const, title: 't', resource: { type: 'AWS::S3::Bucket', id: 'b' }, sourceId: 'arn:rule', consoleUrl: 'https://console', eventId: 'e' };
    const created = fold(undefined, { ...base, status: 'OPEN', description: 'v1', observedAt: '2026-11-21T10:00:00.000Z' }, options);
    if (created.kind !== 'create') throw new Error(created.kind);
    await store.commit(created);
    // Act: a newer change writes new text; then an older decision (lost a race) tries to put the old text back
    const resolved = fold(created.next, { ...base, status: 'RESOLVED', description: 'v2', observedAt: '2026-11-21T12:00:00.000Z' }, options);
    if (resolved.kind !== 'change' || !resolved.detail) throw new Error('expected a change with its detail');
    await store.commit(resolved);
    const stale = fold(created.next, { ...base, status: 'RESOLVED', description: 'v1.5', observedAt: '2026-11-21T11:00:00.000Z' }, options);
    await expect(store.commit(stale as Exclude<typeof stale, { kind: 'noop' }>)).rejects.toThrow(/changed since it was read/);
    puts.length = 0;
    const reopened = fold(resolved.next, { ...base, status: 'OPEN', description: 'v2', observedAt: '2026-11-21T13:00:00.000Z' }, options);
    await store.commit(reopened as Exclude<typeof reopened, { kind: 'noop' }>);
    // Assess
    expect(await store.getDetail(base.id)).toEqual({ id: base.id, description: 'v2', consoleUrl: 'https://console', sourceId: 'arn:rule' });
    expect(reopened.kind).toBe('change');
    expect(reopened.kind === 'change' ? reopened.detail : 'not a change').toBeUndefined();
    expect(puts).toEqual(['TransactWriteItems']);
  });
});
