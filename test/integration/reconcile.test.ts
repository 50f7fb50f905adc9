import { DescribeAggregateComplianceByConfigRulesCommand, GetAggregateComplianceDetailsByConfigRuleCommand } from '@aws-sdk/client-config-service';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { reconcileCommand } from '../../cli/commands/reconcile.js';
import { TableStreamReader } from '../../cli/local/table-stream.js';
import { ConfigAggregator } from '../../functions/shared/adapters/config-aggregator.js';
import { DynamoFindingStore } from '../../functions/shared/adapters/dynamodb-finding-store.js';
import { DynamoReconcileFindings } from '../../functions/shared/adapters/reconcile-findings.js';
import { ingestEvent } from '../../functions/shared/core/ingest.js';
import { configFindingId } from '../../functions/shared/core/normalizers/config.js';
import { reconcileRegion, type ReconcileReport } from '../../functions/shared/core/reconcile/index.js';
import { parseVigilConfig } from '../../functions/shared/core/routing/config.js';
import { resolveOwnership } from '../../functions/shared/core/routing/resolve.js';
import { NotifierHarness, TEST_CONFIG } from '../support/notifier-harness.js';
import { lambdaContext } from '../support/sqs.js';
import { tableState } from '../support/table-state.js';
import { freshTables, localClient, localDocumentClient } from '../support/tables.js';
import { complianceRow, mockAggregator, nonCompliantResult } from '../unit/reconcile/config-fixtures.js';

const AGG = 'org-aggregator';
const REGION = 'eu-west-1';
const A = '111111111111';
const B = '222222222222';
const BUCKET = 'AWS::S3::Bucket';
const INSTANCE = 'AWS::EC2::Instance';
const NOW = new Date('2026-03-10T00:00:00.000Z');
const config = parseVigilConfig(TEST_CONFIG, 'vigil.yaml');
const route = (o: Parameters<typeof resolveOwnership>[0]) => resolveOwnership(o, undefined, config, NOW);

/** A Config compliance-change event, as a member account's forwarder delivers it. */
function configEvent(account: string, rule: string, resourceType: string, resourceId: string, compliance: 'COMPLIANT' | 'NON_COMPLIANT', at: string) {
  return {
    version: '0',
    id: `evt-${rule}-${resourceId}-${at}`,
    'detail-type': 'Config Rules Compliance Change',
    source: 'aws.config',
    account,
    time: at,
    region: REGION,
    resources: [],
    detail: {
      awsAccountId: account,
      awsRegion: REGION,
      configRuleName: rule,
      resourceType,
      resourceId,
      messageType: 'ComplianceChangeNotification',
      newEvaluationResult: { complianceType: compliance, resultRecordedTime: at },
    },
  };
}

const id = (account: string, rule: string, type: string, resource: string) => configFindingId(account, REGION, rule, type, resource);

/**
 * The organization as the aggregator reports it (pages of two): in account A, rule
 * s3-bucket-versioning is NON_COMPLIANT for three buckets (one Vigil has, two it missed),
 * s3-public-read is COMPLIANT; in B, restricted-ssh is NON_COMPLIANT for one instance Vigil
 * missed and mfa-check has INSUFFICIENT_DATA; us-east-1 is another deployment's.
 */
function organization() {
  return mockAggregator({
    pageSize: 2,
    compliance: [
      complianceRow('s3-bucket-versioning', A, REGION, 'NON_COMPLIANT'),
      complianceRow('s3-public-read', A, REGION, 'COMPLIANT'),
      complianceRow('s3-bucket-versioning', A, 'us-east-1', 'NON_COMPLIANT'),
      complianceRow('restricted-ssh', B, REGION, 'NON_COMPLIANT'),
      complianceRow('mfa-check', B, REGION, 'INSUFFICIENT_DATA'),
    ],
    evaluations: {
      [`s3-bucket-versioning|${A}|${REGION}`]: [
        nonCompliantResult('s3-bucket-versioning', A, REGION, BUCKET, 'equal-bucket', '2026-03-01T00:00:00.000Z'),
        nonCompliantResult('s3-bucket-versioning', A, REGION, BUCKET, 'missed-bucket-1', '2026-03-02T00:00:00.000Z', 'versioning is off'),
        nonCompliantResult('s3-bucket-versioning', A, REGION, BUCKET, 'missed-bucket-2', '2026-03-03T00:00:00.000Z'),
      ],
      [`restricted-ssh|${B}|${REGION}`]: [nonCompliantResult('restricted-ssh', B, REGION, INSTANCE, 'i-0abc', '2026-03-04T00:00:00.000Z')],
      [`s3-bucket-versioning|${A}|us-east-1`]: [nonCompliantResult('s3-bucket-versioning', A, 'us-east-1', BUCKET, 'other-region-bucket', '2026-03-01T00:00:00.000Z')],
    },
  });
}

/** What Vigil had before: the equal finding, one Config no longer reports, one under an INSUFFICIENT_DATA rule. */
const VIGIL_BEFORE = [
  configEvent(A, 's3-bucket-versioning', BUCKET, 'equal-bucket', 'NON_COMPLIANT', '2026-03-01T00:00:00.000Z'),
  configEvent(A, 's3-public-read', BUCKET, 'stale-bucket', 'NON_COMPLIANT', '2026-02-20T00:00:00.000Z'),
  configEvent(B, 'mfa-check', 'AWS::IAM::User', 'alice', 'NON_COMPLIANT', '2026-02-20T00:00:00.000Z'),
];

describe('reconciliation with the AWS Config aggregator, on DynamoDB Local', () => {
  const db = localDocumentClient();
  let table: string;
  let stream: TableStreamReader;
  let aggregatorMock: ReturnType<typeof mockAggregator>;

  function reconcile(options: { dryRun?: boolean; quiet?: boolean } = {}): Promise<ReconcileReport> {
    const store = new DynamoFindingStore({ tableName: table, client: db });
    return reconcileRegion(new ConfigAggregator({ aggregatorName: AGG, region: 'us-east-1' }), new DynamoReconcileFindings({ client: db, tableName: table, store }), {
      region: REGION,
      now: NOW,
      settleMs: 3 * 3_600_000,
      ...(options.dryRun ? {} : { apply: { ingest: { store, route }, quiet: options.quiet ?? false } }),
    });
  }

  const written = (records: DynamoDBRecord[]) => records.map((r) => `${String(r.dynamodb?.Keys?.pk?.S)}|${String(r.dynamodb?.Keys?.sk?.S).replace(/^H#.*#/, 'H#')}`).sort();

  beforeEach(async () => {
    table = (await freshTables()).FindingsTable!;
    stream = TableStreamReader.forEndpoint(localClient(), inject('dynamoEndpoint'), table);
    const store = new DynamoFindingStore({ tableName: table, client: db });
    for (const event of VIGIL_BEFORE) await ingestEvent(event, { store, route });
    await stream.next();
    aggregatorMock = organization();
  });
  afterEach(() => aggregatorMock.restore());

  it('opens the missing, resolves the stale, leaves the equal unwritten, and a second run changes nothing', async () => {
    // Act
    const report = await reconcile();
    const firstWrites = await stream.next();

    // Assess: the exact Config commands, every page of each
    const compliance = { ConfigurationAggregatorName: AGG, Filters: { AwsRegion: REGION }, Limit: 1000 };
    expect(aggregatorMock.commandCalls(DescribeAggregateComplianceByConfigRulesCommand).map((c) => c.args[0].input)).toEqual([
      compliance,
      { ...compliance, NextToken: 'opaque-2' },
    ]);
    const details = (rule: string, account: string) => ({ ConfigurationAggregatorName: AGG, ConfigRuleName: rule, AccountId: account, AwsRegion: REGION, ComplianceType: 'NON_COMPLIANT', Limit: 100 });
    expect(aggregatorMock.commandCalls(GetAggregateComplianceDetailsByConfigRuleCommand).map((c) => c.args[0].input)).toEqual([
      details('s3-bucket-versioning', A),
      { ...details('s3-bucket-versioning', A), NextToken: 'opaque-2' },
      details('restricted-ssh', B),
    ]);

    // Assess: the corrections, by rule, account and Region
    expect(report).toMatchObject({ opened: 3, resolved: 1, unchanged: 1, deferred: { 'insufficient-data': 1 }, refused: [], complete: true, accounts: 2 });
    expect(report.differences).toEqual([
      { rule: 's3-bucket-versioning', accountId: A, region: REGION, open: [`${BUCKET} missed-bucket-1`, `${BUCKET} missed-bucket-2`], resolve: [], deferred: [] },
      { rule: 's3-public-read', accountId: A, region: REGION, open: [], resolve: [`${BUCKET} stale-bucket`], deferred: [] },
      { rule: 'restricted-ssh', accountId: B, region: REGION, open: [`${INSTANCE} i-0abc`], resolve: [], deferred: [] },
      { rule: 'mfa-check', accountId: B, region: REGION, open: [], resolve: [], deferred: ['AWS::IAM::User alice'] },
    ]);

    // Assess: written exactly the corrected findings (finding, history, detail), nothing of the equal one or of us-east-1
    const corrected = [id(A, 's3-bucket-versioning', BUCKET, 'missed-bucket-1'), id(A, 's3-bucket-versioning', BUCKET, 'missed-bucket-2'), id(B, 'restricted-ssh', INSTANCE, 'i-0abc')];
    const stale = id(A, 's3-public-read', BUCKET, 'stale-bucket');
    expect(written(firstWrites)).toEqual([...corrected.flatMap((f) => [`F#${f}|D`, `F#${f}|F`, `F#${f}|H#opened`]), `F#${stale}|D`, `F#${stale}|F`, `F#${stale}|H#resolved`].sort());

    const items = await tableState(db, table);
    const finding = (f: string) => items.find((i) => i.pk === `F#${f}` && i.sk === 'F')!;
    const history = (f: string) => items.filter((i) => i.pk === `F#${f}` && String(i.sk).startsWith('H#'));
    expect(finding(corrected[0]!)).toMatchObject({ status: 'OPEN', transition: 'OPENED', transitionAt: '2026-03-02T00:00:00.000Z', lastSeen: '2026-03-02T00:00:00.000Z', team: 'security' });
    expect(finding(corrected[0]!).quietTransitionAt).toBeUndefined();
    expect(history(corrected[0]!)).toMatchObject([{ kind: 'opened', cause: 'reconciled', reason: expect.stringContaining('NON_COMPLIANT since 2026-03-02T00:00:00.000Z'), to: { status: 'OPEN' } }]);
    expect(items.find((i) => i.pk === `F#${corrected[0]}` && i.sk === 'D')).toMatchObject({ description: 'versioning is off' });
    expect(finding(stale)).toMatchObject({ status: 'RESOLVED', transition: 'RESOLVED', transitionAt: '2026-02-20T00:00:00.001Z' });
    expect(finding(stale).gsi5pk).toBeUndefined();
    expect(history(stale).map((h) => `${String(h.kind)}/${String(h.cause)}`)).toEqual(['opened/event', 'resolved/reconciled']);
    expect(finding(id(A, 's3-bucket-versioning', BUCKET, 'equal-bucket'))).toMatchObject({ version: 1, status: 'OPEN' });
    expect(items.some((i) => String(i.resourceId) === 'other-region-bucket' || String(i.pk).includes(id(A, 's3-bucket-versioning', BUCKET, 'other-region-bucket')))).toBe(false);

    // Act: a second run, and the missed events arriving late after all
    const before = await tableState(db, table);
    const second = await reconcile();
    const secondWrites = await stream.next();
    const store = new DynamoFindingStore({ tableName: table, client: db });
    const late = await ingestEvent(configEvent(A, 's3-bucket-versioning', BUCKET, 'missed-bucket-1', 'NON_COMPLIANT', '2026-03-02T00:00:00.000Z'), { store, route });

    // Assess: nothing written; the late event is a replay of what reconciliation recorded
    expect(second).toMatchObject({ opened: 0, resolved: 0, unchanged: 4, deferred: { 'insufficient-data': 1 } });
    expect(secondWrites).toEqual([]);
    expect(await tableState(db, table)).toEqual(before);
    expect(late).toMatchObject({ kind: 'findings', findings: [{ decision: 'noop', reason: 'duplicate' }] });
  });

  it('a dry run reports the same differences and writes nothing', async () => {
    const before = await tableState(db, table);
    const report = await reconcile({ dryRun: true });
    expect(report).toMatchObject({ dryRun: true, opened: 3, resolved: 1, unchanged: 1 });
    expect(await stream.next()).toEqual([]);
    expect(await tableState(db, table)).toEqual(before);
  });

  it('vigil reconcile --dry-run prints the differences per rule, account and Region; without it, applies them', async () => {
    // Prepare
    const lines: string[] = [];
    const env = { AWS_REGION: REGION, AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint') };
    const args = ['--table', table, '--endpoint', inject('dynamoEndpoint'), '--aggregator', AGG, '--config', 'config/vigil.yaml'];
    // Act
    const dryStatus = await reconcileCommand([...args, '--dry-run'], (l) => lines.push(l), env);
    const dry = lines.splice(0).map((l) => JSON.parse(l) as Record<string, unknown>);
    // Assess
    expect(dryStatus).toBe(0);
    expect(dry.slice(0, -1).map((d) => `${String(d.rule)} ${String(d.accountId)} open=${JSON.stringify(d.open)} resolve=${JSON.stringify(d.resolve)}`)).toEqual([
      `s3-bucket-versioning ${A} open=["${BUCKET} missed-bucket-1","${BUCKET} missed-bucket-2"] resolve=[]`,
      `s3-public-read ${A} open=[] resolve=["${BUCKET} stale-bucket"]`,
      `restricted-ssh ${B} open=["${INSTANCE} i-0abc"] resolve=[]`,
      `mfa-check ${B} open=[] resolve=[]`,
    ]);
    expect(dry.at(-1)).toMatchObject({ dryRun: true, opened: 3, resolved: 1, region: REGION });
    expect(await stream.next()).toEqual([]);

    // Act: applied, quietly
    const status = await reconcileCommand([...args, '--quiet'], (l) => lines.push(l), env);
    // Assess
    expect(status).toBe(0);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ dryRun: false, quiet: true, opened: 3, resolved: 1 });
    const items = await tableState(db, table);
    const opened = items.find((i) => i.pk === `F#${id(B, 'restricted-ssh', INSTANCE, 'i-0abc')}` && i.sk === 'F')!;
    expect(opened.quietTransitionAt).toBe(opened.transitionAt);

    // Assess: usage errors
    await expect(reconcileCommand(['--table', table, '--dry-run', '--quiet', '--aggregator', AGG], () => {}, env)).rejects.toThrow('--quiet applies corrections without notifications');
    await expect(reconcileCommand(['--table', table], () => {}, env)).rejects.toThrow('an aggregator (--aggregator or CONFIG_AGGREGATOR_NAME) are required');
  });
});

describe('the reconcile function', () => {
  const db = localDocumentClient();
  let aggregatorMock: ReturnType<typeof mockAggregator>;
  afterEach(() => aggregatorMock.restore());

  it('stops before its time runs out, saves where, and the next run resumes there until the pass completes', async () => {
    // Prepare: the handler as template.yaml configures it, with 100 s left (under its 120 s margin)
    const table = (await freshTables()).FindingsTable!;
    const store = new DynamoFindingStore({ tableName: table, client: db });
    for (const event of VIGIL_BEFORE) await ingestEvent(event, { store, route });
    aggregatorMock = organization();
    Object.assign(process.env, {
      TABLE_NAME: table,
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'),
      CONFIG_AGGREGATOR_NAME: AGG,
      CONFIG_AGGREGATOR_REGION: 'us-east-1',
      VIGIL_CONFIG_FILE: 'config/vigil.yaml',
      RECONCILE_SETTLE_MINUTES: '180',
    });
    vi.resetModules();
    const { handler } = await import('../../functions/reconcile/handler.js');
    const context = { ...lambdaContext('vigil-reconcile'), getRemainingTimeInMillis: () => 100_000 };
    try {
      // Act
      const first = await handler({ time: NOW.toISOString() }, context);
      const second = await handler({ time: NOW.toISOString() }, context);
      const third = await handler({ time: NOW.toISOString() }, context);
      // Assess: one account a run, then a fresh pass that finds nothing left to correct
      expect(first).toMatchObject({ accounts: 1, opened: 2, resolved: 1, complete: false, resumeAfter: A });
      expect(second).toMatchObject({ accounts: 1, opened: 1, resolved: 0, complete: true });
      expect(third).toMatchObject({ accounts: 1, opened: 0, resolved: 0, complete: false, resumeAfter: A });
      expect(await new DynamoReconcileFindings({ client: db, tableName: table, store }).resumeAfter(REGION)).toBe(A);
    } finally {
      for (const key of ['TABLE_NAME', 'CONFIG_AGGREGATOR_NAME', 'CONFIG_AGGREGATOR_REGION', 'VIGIL_CONFIG_FILE', 'RECONCILE_SETTLE_MINUTES', 'AWS_ENDPOINT_URL_DYNAMODB']) delete process.env[key];
      process.env.AWS_REGION = 'us-east-1';
    }
  });
});

describe('reconciliation and the notifier, fed by the table’s stream', () => {
  const h = new NotifierHarness();
  const sns = mockClient(SNSClient);
  let aggregatorMock: ReturnType<typeof mockAggregator>;

  beforeAll(async () => {
    await h.start();
  });
  afterAll(async () => {
    await h.stop();
    sns.restore();
  });
  beforeEach(async () => {
    await h.reset();
    sns.reset();
    sns.on(PublishCommand).callsFake(() => ({ MessageId: `msg-${sns.commandCalls(PublishCommand).length}` }));
    await h.ingest(VIGIL_BEFORE);
    await h.feed(await h.records(), await h.handler());
    await h.feed(await h.records(), await h.handler());
    h.slack.reset();
    sns.resetHistory();
    aggregatorMock = organization();
  });
  afterEach(() => aggregatorMock.restore());

  async function reconcileAndNotify(quiet: boolean) {
    const store = new DynamoFindingStore({ tableName: h.findingsTable, client: h.db });
    const report = await reconcileRegion(new ConfigAggregator({ aggregatorName: AGG, region: 'us-east-1' }), new DynamoReconcileFindings({ client: h.db, tableName: h.findingsTable, store }), {
      region: REGION,
      now: NOW,
      settleMs: 3 * 3_600_000,
      apply: { ingest: { store, route: (o) => resolveOwnership(o, undefined, h.config, NOW) }, quiet },
    });
    const handler = await h.handler();
    const result = await h.feed(await h.records(), handler);
    await h.feed(await h.records(), handler);
    return { report, result };
  }

  it('announces a normal reconciliation’s corrections like any transition', async () => {
    const { report, result } = await reconcileAndNotify(false);
    expect(report).toMatchObject({ opened: 3, resolved: 1 });
    expect(result.onFailure).toEqual([]);
    const kinds = sns.commandCalls(PublishCommand).map((c) => JSON.parse(c.args[0].input.Message!) as { transition: { kind: string }; finding: { resource: { id: string } } });
    expect(kinds.map((k) => `${k.transition.kind} ${k.finding.resource.id}`).sort()).toEqual(['OPENED i-0abc', 'OPENED missed-bucket-1', 'OPENED missed-bucket-2', 'RESOLVED stale-bucket']);
    expect(h.slack.messages()).toHaveLength(4);
  });

  it('keeps a quiet backfill silent, and announces the next real transition of a quietly opened finding', async () => {
    // Act
    const { report, result } = await reconcileAndNotify(true);
    // Assess
    expect(report).toMatchObject({ opened: 3, resolved: 1, quiet: true });
    expect(result.onFailure).toEqual([]);
    expect(sns.commandCalls(PublishCommand)).toEqual([]);
    expect(h.slack.messages()).toEqual([]);

    // Act: the instance is fixed, and its event arrives
    await h.ingest([configEvent(B, 'restricted-ssh', INSTANCE, 'i-0abc', 'COMPLIANT', '2026-03-09T00:00:00.000Z')]);
    await h.feed(await h.records(), await h.handler());
    // Assess
    const published = sns.commandCalls(PublishCommand).map((c) => JSON.parse(c.args[0].input.Message!) as { transition: { kind: string }; finding: { resource: { id: string } } });
    expect(published.map((p) => `${p.transition.kind} ${p.finding.resource.id}`)).toEqual(['RESOLVED i-0abc']);
  });
});
