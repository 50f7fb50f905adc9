/**
 * Checks of the CloudFormation/SAM templates that return problems instead of
 * asserting, so each can be shown to pass on the real templates and to fail, naming
 * the culprit, on deliberately broken copies (test/meta/template-*.test.ts).
 *
 * Templates are read with `loadTemplate` (cli/local/template.ts), which keeps `!Ref`,
 * `!Sub` and `!GetAtt` as `{ Ref }`, `{ 'Fn::Sub' }` and `{ 'Fn::GetAtt': [id, attr] }`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import type { CfnResource, CfnTemplate } from '../../cli/local/template.js';
import { compilePattern, validatePattern, type CompiledPattern } from '../../functions/shared/event-pattern/index.js';
import type { CorpusEvent } from './events.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);
const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

function resourcesOfType(template: CfnTemplate, ...types: string[]): Array<[string, CfnResource]> {
  return Object.entries(template.Resources).filter(([, r]) => types.includes(r.Type));
}

// ------------------------------------------------------------------ event rules

export interface TemplateRule {
  logicalId: string;
  /** The EventPattern as data; a JSON-string EventPattern is parsed (CloudFormation accepts both). */
  pattern: unknown;
}

/** Every `AWS::Events::Rule` with an EventPattern (schedule-only rules match no events). */
export function eventRules(template: CfnTemplate): TemplateRule[] {
  return patternsOf(template, 'AWS::Events::Rule');
}

function patternsOf(template: CfnTemplate, ...types: string[]): TemplateRule[] {
  return resourcesOfType(template, ...types)
    .filter(([, r]) => r.Properties?.EventPattern !== undefined)
    .map(([logicalId, r]) => {
      const raw = r.Properties!.EventPattern;
      if (typeof raw !== 'string') return { logicalId, pattern: raw };
      try {
        return { logicalId, pattern: JSON.parse(raw) as unknown };
      } catch {
        return { logicalId, pattern: raw };
      }
    });
}

function compiledRules(template: CfnTemplate): Array<TemplateRule & { compiled?: CompiledPattern }> {
  return eventRules(template).map((rule) => (validatePattern(rule.pattern).length ? rule : { ...rule, compiled: compilePattern(rule.pattern) }));
}

/** Each rule's (and archive's) pattern is one EventBridge accepts. */
export function checkRulePatterns(template: CfnTemplate): string[] {
  return patternsOf(template, 'AWS::Events::Rule', 'AWS::Events::Archive').flatMap(({ logicalId, pattern }) => validatePattern(pattern).map((p) => `${logicalId}: invalid EventPattern: ${p}`));
}

/** Logical ids of the rules whose pattern matches the event. */
export function matchingRules(template: CfnTemplate, event: unknown): string[] {
  return compiledRules(template)
    .filter((rule) => rule.compiled?.matches(event))
    .map((rule) => rule.logicalId);
}

/** Which events a rule is meant to receive, by its logical id. */
export type RuleExpectations = Record<string, (event: Json) => boolean>;

const describeEvent = ({ origin, event }: CorpusEvent) => `${origin} (${String(event.source)} / ${String(event['detail-type'])})`;

function summarize(events: CorpusEvent[]): string {
  const shown = events.slice(0, 3).map(describeEvent).join(', ');
  return events.length > 3 ? `${shown} and ${events.length - 3} more` : shown;
}

/**
 * Each rule matches exactly the events its expectation says it should, over the given
 * events. A rule without an expectation is a problem, so a new rule must say what it is for;
 * so is an expectation for a rule the template does not have.
 */
export function checkRuleCoverage(template: CfnTemplate, expectations: RuleExpectations, events: CorpusEvent[]): string[] {
  const problems: string[] = [];
  const rules = compiledRules(template);
  for (const rule of rules) {
    const expected = expectations[rule.logicalId];
    if (!expected) {
      problems.push(`${rule.logicalId}: no expectation says which events this rule is meant for; add it to the expectation map`);
      continue;
    }
    if (!rule.compiled) {
      problems.push(`${rule.logicalId}: cannot be matched, its EventPattern is invalid`);
      continue;
    }
    const extra = events.filter((e) => rule.compiled!.matches(e.event) && !expected(e.event));
    const missed = events.filter((e) => !rule.compiled!.matches(e.event) && expected(e.event));
    if (extra.length) problems.push(`${rule.logicalId}: matches ${extra.length} event(s) it is not meant for: ${summarize(extra)}`);
    if (missed.length) problems.push(`${rule.logicalId}: misses ${missed.length} event(s) it is meant for: ${summarize(missed)}`);
  }
  const ids = new Set(rules.map((r) => r.logicalId));
  for (const id of Object.keys(expectations)) {
    if (!ids.has(id)) problems.push(`${id}: has an expectation but is not an event rule of this template`);
  }
  return problems;
}

/**
 * An event no Vigil rule is meant for: the EC2 state-change example of the EventBridge
 * User Guide ("Event patterns").
 */
export const FOREIGN_EVENTS: readonly CorpusEvent[] = [
  {
    origin: 'synthetic aws.ec2 state change',
    event: {
      version: '0',
      id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      'detail-type': 'EC2 Instance State-change Notification',
      source: 'aws.ec2',
      account: '111122223333',
      time: '2017-12-22T18:43:48Z',
      region: 'us-west-1',
      resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
      detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
    },
  },
];

/** The alternatives of a pattern's top-level `$or`, each with the fields outside it. */
function topLevelAlternatives(pattern: Json): Json[] {
  const { $or, ...rest } = pattern;
  if (!Array.isArray($or)) return [pattern];
  return $or.filter(isObject).flatMap((alt) => topLevelAlternatives({ ...rest, ...alt }));
}

const PROBE_SOURCE = 'vigil.narrowness-probe';
const PROBE_DETAIL_TYPE = 'Vigil Narrowness Probe';

/**
 * Patterns are as narrow as the detections need: every alternative pins `source` and
 * `detail-type` to exact values, no rule matches an event of another source
 * ({@link FOREIGN_EVENTS}), and no rule still matches one of its own events once that
 * event's source or detail-type is changed.
 */
const CLOUDTRAIL_DETAIL_TYPES = new Set(['AWS API Call via CloudTrail', 'AWS Console Sign In via CloudTrail']);

/**
 * CloudTrail events carry the calling service's source (aws.iam, aws.s3, ...), so a rule
 * for them may admit any `aws.` source, and only that: only AWS publishes aws.* sources.
 */
function isAwsPrefixForCloudTrail(source: unknown, detailType: unknown): boolean {
  return (
    JSON.stringify(source) === JSON.stringify([{ prefix: 'aws.' }]) &&
    Array.isArray(detailType) &&
    detailType.length > 0 &&
    detailType.every((t) => typeof t === 'string' && CLOUDTRAIL_DETAIL_TYPES.has(t))
  );
}

export function checkRuleNarrowness(template: CfnTemplate, events: CorpusEvent[], foreign: readonly CorpusEvent[] = FOREIGN_EVENTS): string[] {
  const problems: string[] = [];
  for (const rule of compiledRules(template)) {
    const id = rule.logicalId;
    if (!isObject(rule.pattern) || !rule.compiled) {
      problems.push(`${id}: cannot be checked for narrowness, its EventPattern is invalid`);
      continue;
    }
    for (const alternative of topLevelAlternatives(rule.pattern)) {
      for (const field of ['source', 'detail-type']) {
        const values = alternative[field];
        if (values === undefined) problems.push(`${id}: pattern has no "${field}" constraint`);
        else if (field === 'source' && isAwsPrefixForCloudTrail(values, alternative['detail-type'])) continue;
        else if (!Array.isArray(values) || !values.every((v) => typeof v === 'string')) {
          problems.push(`${id}: "${field}" must list exact values, not ${JSON.stringify(values)}`);
        }
      }
    }
    for (const probe of foreign) {
      if (rule.compiled.matches(probe.event)) problems.push(`${id}: matches an event it can never be meant for: ${describeEvent(probe)}`);
    }
    const own = events.filter((e) => rule.compiled!.matches(e.event));
    const withSource = own.find((e) => rule.compiled!.matches({ ...e.event, source: PROBE_SOURCE }));
    const withType = own.find((e) => rule.compiled!.matches({ ...e.event, 'detail-type': PROBE_DETAIL_TYPE }));
    if (withSource) problems.push(`${id}: still matches ${withSource.origin} with its source changed to "${PROBE_SOURCE}"`);
    if (withType) problems.push(`${id}: still matches ${withType.origin} with its detail-type changed to "${PROBE_DETAIL_TYPE}"`);
  }
  return problems;
}

// ------------------------------------------------------------ event bus policy

interface PolicyStatement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  Action?: unknown;
  Resource?: unknown;
  Condition?: Json;
}

const refersTo = (value: unknown, logicalId: string) =>
  isObject(value) && (value.Ref === logicalId || (Array.isArray(value['Fn::GetAtt']) && value['Fn::GetAtt'][0] === logicalId));

const admitsEveryone = (principal: unknown): boolean =>
  principal === '*' || (isObject(principal) && asList(principal.AWS as unknown).includes('*'));

/**
 * `AWS::Events::EventBusPolicy` in either form: `Statement`, or the older
 * `Principal`/`Action`/`Condition: { Type, Key, Value }` properties.
 */
function busPolicyStatements(properties: Json): PolicyStatement[] {
  if (properties.Statement !== undefined) {
    return asList(properties.Statement as PolicyStatement | PolicyStatement[]).map((s) => ({ Sid: properties.StatementId as string | undefined, ...s }));
  }
  const legacy = isObject(properties.Condition) ? properties.Condition : undefined;
  return [
    {
      Sid: properties.StatementId as string | undefined,
      Effect: 'Allow',
      Principal: properties.Principal === '*' ? '*' : { AWS: properties.Principal },
      Action: properties.Action,
      ...(legacy?.Type && legacy.Key ? { Condition: { [String(legacy.Type)]: { [String(legacy.Key)]: legacy.Value } } } : {}),
    },
  ];
}

/**
 * The event buses admit only the organization: every Allow statement of a bus policy
 * (an `AWS::Events::EventBusPolicy` or a bus's `Policy`) has `StringEquals`
 * `aws:PrincipalOrgID` set to `!Ref <orgParameter>`, and every bus has one.
 */
export function checkBusPolicies(template: CfnTemplate, orgParameter = 'OrganizationId'): string[] {
  const problems: string[] = [];
  const buses = resourcesOfType(template, 'AWS::Events::EventBus');
  if (buses.length && !template.Parameters?.[orgParameter]) problems.push(`template has no ${orgParameter} parameter to restrict the bus policies to`);

  const policies: Array<{ owner: string; bus: unknown; statements: PolicyStatement[] }> = [
    ...resourcesOfType(template, 'AWS::Events::EventBusPolicy').map(([id, r]) => ({
      owner: id,
      bus: r.Properties?.EventBusName,
      statements: busPolicyStatements(r.Properties ?? {}),
    })),
    ...buses
      .filter(([, r]) => r.Properties?.Policy !== undefined)
      .map(([id, r]) => ({ owner: `${id}.Policy`, bus: { Ref: id }, statements: asList((r.Properties!.Policy as Json).Statement as PolicyStatement[]) })),
  ];

  for (const { owner, statements } of policies) {
    for (const [i, statement] of statements.entries()) {
      if (statement.Effect !== 'Allow') continue;
      const name = `${owner}: Allow statement ${statement.Sid ?? `#${i}`}`;
      const orgCondition = isObject(statement.Condition?.StringEquals) ? statement.Condition.StringEquals['aws:PrincipalOrgID'] : undefined;
      if (orgCondition === undefined) {
        problems.push(
          admitsEveryone(statement.Principal)
            ? `${name} admits Principal '*' without a StringEquals aws:PrincipalOrgID condition`
            : `${name} has no StringEquals aws:PrincipalOrgID condition`,
        );
      } else if (!refersTo(orgCondition, orgParameter)) {
        problems.push(`${name}: aws:PrincipalOrgID is ${JSON.stringify(orgCondition)}, not !Ref ${orgParameter}`);
      }
    }
  }

  for (const [busId] of buses) {
    const admitted = policies.some((p) => refersTo(p.bus, busId) && p.statements.some((s) => s.Effect === 'Allow'));
    if (!admitted) problems.push(`${busId}: no bus policy admits the organization, so member accounts cannot forward events`);
  }
  return problems;
}

// ------------------------------------------------------------ function IAM policies

/** An item kind of a DynamoDB TransactWriteItems request. */
export type TransactItem = 'Put' | 'Update' | 'Delete' | 'ConditionCheck';

/** One AWS API operation a function's code sends, and the template resource it targets. */
export interface SdkCommand {
  /** IAM service prefix: `dynamodb`, `sqs`, ... */
  service: string;
  /** API operation name: `GetItem`, `TransactWriteItems`, ... */
  operation: string;
  /** Logical id of the target, optionally with an ARN suffix: `FindingsTable`, `FindingsTable/index/byTeam`. */
  resource: string;
  /** For TransactWriteItems: the kinds of items the code puts in a transaction. */
  transactItems?: TransactItem[];
  /**
   * The command is sent with the credentials of a role this function assumes (a template
   * parameter naming a role in another account): the function itself needs only
   * `sts:AssumeRole` on it; `resource` is then that parameter.
   */
  viaRole?: boolean;
  /**
   * The target is outside the template (an AWS Config aggregator of the account): `resource`
   * is then the ARN pattern exactly as the policy resolves it, or `*`.
   */
  external?: boolean;
}

/**
 * What each function's code sends. `test/meta/template-permissions.test.ts` checks this
 * against the code (every `new XCommand(` reachable from the function's entry point) and
 * against the function's policy in template.yaml.
 */
export const FUNCTION_COMMANDS: Readonly<Record<string, readonly SdkCommand[]>> = {
  // functions/shared/adapters/dynamodb-finding-store.ts
  IngestFunction: [
    { service: 'dynamodb', operation: 'GetItem', resource: 'FindingsTable' },
    { service: 'dynamodb', operation: 'PutItem', resource: 'FindingsTable' },
    { service: 'dynamodb', operation: 'TransactWriteItems', resource: 'FindingsTable', transactItems: ['Put'] },
    // functions/shared/adapters/directory-reader.ts: the directory partition
    { service: 'dynamodb', operation: 'Query', resource: 'FindingsTable' },
    // heartbeats
    { service: 'dynamodb', operation: 'UpdateItem', resource: 'FindingsTable' },
  ],
  // functions/notifier, functions/digest, functions/slack-interactions
  NotifierFunction: [
    { service: 'dynamodb', operation: 'GetItem', resource: 'FindingsTable' },
    // The directory partition (DIR), for account names and OU rules.
    { service: 'dynamodb', operation: 'Query', resource: 'FindingsTable' },
    { service: 'dynamodb', operation: 'PutItem', resource: 'FindingsTable' },
    { service: 'dynamodb', operation: 'TransactWriteItems', resource: 'FindingsTable', transactItems: ['Put', 'Update'] },
    { service: 'dynamodb', operation: 'GetItem', resource: 'NotificationsTable' },
    { service: 'dynamodb', operation: 'PutItem', resource: 'NotificationsTable' },
    { service: 'dynamodb', operation: 'UpdateItem', resource: 'NotificationsTable' },
    { service: 'dynamodb', operation: 'TransactWriteItems', resource: 'NotificationsTable', transactItems: ['Put'] },
    { service: 'sns', operation: 'Publish', resource: 'FindingsTopic' },
    { service: 'secretsmanager', operation: 'GetSecretValue', resource: 'secret:SlackSecretPrefix*' },
    { service: 'secretsmanager', operation: 'GetSecretValue', resource: 'secret:SlackBotSecretName-??????' },
  ],
  DigestFunction: [
    { service: 'dynamodb', operation: 'Query', resource: 'FindingsTable/index/byTeam' },
    { service: 'dynamodb', operation: 'Query', resource: 'FindingsTable' },
    { service: 'dynamodb', operation: 'GetItem', resource: 'NotificationsTable' },
    { service: 'dynamodb', operation: 'PutItem', resource: 'NotificationsTable' },
    { service: 'dynamodb', operation: 'UpdateItem', resource: 'NotificationsTable' },
    { service: 'dynamodb', operation: 'TransactWriteItems', resource: 'NotificationsTable', transactItems: ['Put'] },
    { service: 'secretsmanager', operation: 'GetSecretValue', resource: 'secret:SlackSecretPrefix*' },
    { service: 'secretsmanager', operation: 'GetSecretValue', resource: 'secret:SlackBotSecretName-??????' },
  ],
  SlackInteractionsFunction: [
    { service: 'dynamodb', operation: 'GetItem', resource: 'FindingsTable' },
    { service: 'dynamodb', operation: 'PutItem', resource: 'FindingsTable' },
    // The findings store (read for a finding's console link) may update findings; the grant covers it.
    { service: 'dynamodb', operation: 'UpdateItem', resource: 'FindingsTable' },
    { service: 'dynamodb', operation: 'TransactWriteItems', resource: 'FindingsTable', transactItems: ['Put', 'Update'] },
    { service: 'secretsmanager', operation: 'GetSecretValue', resource: 'secret:SlackBotSecretName-??????' },
  ],
  // functions/query-api, functions/aggregator, functions/suppression-expiry
  QueryApiFunction: [
    // The finding's partition, the counters, the directory; and the three listing indexes.
    { service: 'dynamodb', operation: 'Query', resource: 'FindingsTable' },
    { service: 'dynamodb', operation: 'Query', resource: `FindingsTable/index/byTeam` },
    { service: 'dynamodb', operation: 'Query', resource: `FindingsTable/index/byAccount` },
    { service: 'dynamodb', operation: 'Query', resource: `FindingsTable/index/byShard` },
    // The strongly consistent read an action decides from.
    { service: 'dynamodb', operation: 'GetItem', resource: 'FindingsTable' },
    // An action: the finding's update and its history entry, in one transaction (the
    // finding store, imported for its key layout, sends PutItem and UpdateItem too).
    { service: 'dynamodb', operation: 'TransactWriteItems', resource: 'FindingsTable', transactItems: ['Put', 'Update'] },
    { service: 'dynamodb', operation: 'PutItem', resource: 'FindingsTable' },
    { service: 'dynamodb', operation: 'UpdateItem', resource: 'FindingsTable' },
    { service: 'secretsmanager', operation: 'GetSecretValue', resource: 'CursorKeySecret' },
  ],
  AggregatorFunction: [
    { service: 'dynamodb', operation: 'BatchGetItem', resource: 'FindingsTable' },
    { service: 'dynamodb', operation: 'TransactWriteItems', resource: 'FindingsTable', transactItems: ['Put', 'Delete', 'Update'] },
  ],
  SuppressionExpiryFunction: [
    { service: 'dynamodb', operation: 'Query', resource: `FindingsTable/index/bySuppressionExpiry` },
    { service: 'dynamodb', operation: 'GetItem', resource: 'FindingsTable' },
    { service: 'dynamodb', operation: 'TransactWriteItems', resource: 'FindingsTable', transactItems: ['Put', 'Update'] },
    { service: 'dynamodb', operation: 'UpdateItem', resource: 'FindingsTable' },
    { service: 'dynamodb', operation: 'PutItem', resource: 'FindingsTable' },
  ],
  // functions/reconcile: the aggregator, the open-Config index, corrections through the finding store
  ReconcileFunction: [
    { service: 'config', operation: 'DescribeAggregateComplianceByConfigRules', resource: 'config-aggregator/*', external: true },
    { service: 'config', operation: 'GetAggregateComplianceDetailsByConfigRule', resource: 'config-aggregator/*', external: true },
    { service: 'config', operation: 'DescribeConfigRules', resource: '*', external: true },
    { service: 'config', operation: 'DescribeOrganizationConfigRules', resource: '*', external: true },
    { service: 'dynamodb', operation: 'Query', resource: 'FindingsTable/index/byOpenConfigScope' },
    // The directory partition (routing) and the resume cursor.
    { service: 'dynamodb', operation: 'Query', resource: 'FindingsTable' },
    { service: 'dynamodb', operation: 'GetItem', resource: 'FindingsTable' },
    { service: 'dynamodb', operation: 'PutItem', resource: 'FindingsTable' },
    { service: 'dynamodb', operation: 'TransactWriteItems', resource: 'FindingsTable', transactItems: ['Put'] },
    // The finding store's heartbeat write: imported with the store, never sent here.
    { service: 'dynamodb', operation: 'UpdateItem', resource: 'FindingsTable' },
  ],
  // functions/coverage: the directory and heartbeat partitions
  CoverageFunction: [{ service: 'dynamodb', operation: 'Query', resource: 'FindingsTable' }],
  // functions/shared/adapters/directory-store.ts and organizations-directory.ts
  DirectoryFunction: [
    { service: 'dynamodb', operation: 'Query', resource: 'FindingsTable' },
    { service: 'dynamodb', operation: 'GetItem', resource: 'FindingsTable' },
    { service: 'dynamodb', operation: 'BatchWriteItem', resource: 'FindingsTable' },
    // Organizations is read as the management-account reader role (its own template grants these).
    { service: 'organizations', operation: 'ListRoots', resource: 'ManagementAccountRoleArn', viaRole: true },
    { service: 'organizations', operation: 'ListOrganizationalUnitsForParent', resource: 'ManagementAccountRoleArn', viaRole: true },
    { service: 'organizations', operation: 'ListAccountsForParent', resource: 'ManagementAccountRoleArn', viaRole: true },
    { service: 'organizations', operation: 'ListTagsForResource', resource: 'ManagementAccountRoleArn', viaRole: true },
  ],
};

/**
 * IAM authorizes each item of a DynamoDB transaction as its own operation: "Permissions
 * for Put, Update, Delete, and Get actions are governed by the permissions used for the
 * underlying PutItem, UpdateItem, DeleteItem, and GetItem operations. For the
 * ConditionCheck action, you can use the dynamodb:ConditionCheckItem permission"
 * (Amazon DynamoDB Developer Guide, "Using IAM with DynamoDB transactions"). There is no
 * separate dynamodb:TransactWriteItems permission to grant.
 */
export const TRANSACT_ITEM_ACTIONS: Readonly<Record<TransactItem, string>> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
};

/** Operations whose IAM action is not simply `<service>:<Operation>`. */
const ACTION_OVERRIDES: Readonly<Record<string, readonly string[]>> = {
  'dynamodb:TransactGetItems': ['dynamodb:GetItem'],
  'sqs:SendMessageBatch': ['sqs:SendMessage'],
  'sqs:DeleteMessageBatch': ['sqs:DeleteMessage'],
  'sns:PublishBatch': ['sns:Publish'],
  's3:ListObjectsV2': ['s3:ListBucket'],
  's3:HeadObject': ['s3:GetObject'],
};

/** The IAM actions a command needs. */
export function iamActionsFor(command: SdkCommand): string[] {
  const name = `${command.service}:${command.operation}`;
  if (name === 'dynamodb:TransactWriteItems') return [...new Set((command.transactItems ?? []).map((item) => TRANSACT_ITEM_ACTIONS[item]))];
  return [...(ACTION_OVERRIDES[name] ?? [name])];
}

/**
 * The SAM policy templates this check can expand, with what they grant (from
 * aws/serverless-application-model, samtranslator/policy_templates_data/policy_templates.json).
 * Resources are logical ids; `${p}` is the template's parameter.
 */
const SAM_POLICY_TEMPLATES: Readonly<Record<string, { parameter: string; actions: readonly string[]; resources: readonly string[] }>> = {
  DynamoDBCrudPolicy: {
    parameter: 'TableName',
    actions: ['GetItem', 'DeleteItem', 'PutItem', 'Scan', 'Query', 'UpdateItem', 'BatchWriteItem', 'BatchGetItem', 'DescribeTable', 'ConditionCheckItem'].map((a) => `dynamodb:${a}`),
    resources: ['${p}', '${p}/index/*'],
  },
  DynamoDBReadPolicy: {
    parameter: 'TableName',
    actions: ['GetItem', 'Scan', 'Query', 'BatchGetItem', 'DescribeTable'].map((a) => `dynamodb:${a}`),
    resources: ['${p}', '${p}/index/*'],
  },
  SQSSendMessagePolicy: { parameter: 'QueueName', actions: ['sqs:SendMessage*'], resources: ['${p}'] },
  SNSPublishMessagePolicy: { parameter: 'TopicName', actions: ['sns:Publish'], resources: ['${p}'] },
};

/** Actions that only accept `Resource: '*'`, exempt from the wildcard-resource rule. */
const RESOURCE_STAR_ONLY = new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'cloudwatch:PutMetricData']);

/** Read-only action verbs; everything else (including wildcards such as `dynamodb:*`) counts as a write. */
const READ_VERBS = /^(Get|List|Describe|Query|Scan|BatchGet|Head|Select|Search|Lookup|View|ConditionCheck)/;

export function isWriteAction(action: string): boolean {
  const [, verb = ''] = action.split(':');
  return action === '*' || verb.includes('*') || !READ_VERBS.test(verb);
}

interface Grant {
  effect: 'Allow' | 'Deny';
  label: string;
  actions: string[];
  /** Logical ids (with ARN suffixes) where resolvable, else the literal text; `*` for all. */
  resources: string[];
}

// `*` for the Region: the same-named resource in each Region a condition allows (the
// query API's organization-wide view), held to the same commands as the local one.
const AWS_ARN_HEAD = /^arn:\$\{AWS::Partition\}:[a-z0-9-]+:(?:\$\{AWS::Region\}|\*):\$\{AWS::AccountId\}:(?:table\/)?/;

/**
 * Resolves a policy Resource to the logical id it names: `!GetAtt X.Arn` → `X`,
 * `!Sub '${X.Arn}/index/*'` → `X/index/*`, `!Sub 'arn:...:table/${X}'` → `X`.
 */
export function resolveResource(value: unknown, vars: Json = {}): string {
  if (typeof value === 'string') return value;
  if (!isObject(value)) return JSON.stringify(value);
  if (typeof value.Ref === 'string') return value.Ref;
  const getAtt = value['Fn::GetAtt'];
  if (getAtt !== undefined) {
    const [id, attr] = typeof getAtt === 'string' ? getAtt.split('.') : (getAtt as string[]);
    return attr === 'Arn' ? String(id) : `${String(id)}.${String(attr)}`;
  }
  const sub = value['Fn::Sub'];
  if (sub !== undefined) {
    const [text, subVars] = Array.isArray(sub) ? [String(sub[0]), isObject(sub[1]) ? sub[1] : {}] : [String(sub), {}];
    const all = { ...vars, ...subVars };
    const replaced = text.replace(/\$\{([^}!]+)\}/g, (whole, name: string) => {
      if (name.startsWith('AWS::')) return whole;
      if (name in all) return resolveResource(all[name]);
      return name.endsWith('.Arn') ? name.slice(0, -4) : name;
    });
    return replaced.replace(AWS_ARN_HEAD, '');
  }
  return JSON.stringify(value);
}

function statementGrants(statements: unknown, label: string): Grant[] {
  // A statement under `!If [cond, statement, AWS::NoValue]` is granted when the condition holds.
  const list = asList(statements as PolicyStatement | PolicyStatement[]).flatMap((s) => conditionalBranches(s) as PolicyStatement[]);
  return list.map((s, i) => ({
    effect: s.Effect === 'Deny' ? 'Deny' : 'Allow',
    label: `${label} statement ${s.Sid ?? `#${i}`}`,
    actions: asList(s.Action as string | string[]).map(String),
    resources: asList(s.Resource as unknown).flatMap((r) => conditionalBranches(r).map((b) => resolveResource(b))),
  }));
}

/** `!If [cond, a, b]` may be either branch: both are granted, as far as a check can know. */
function conditionalBranches(value: unknown): unknown[] {
  if (isObject(value) && Array.isArray(value['Fn::If'])) {
    const [, whenTrue, whenFalse] = value['Fn::If'] as unknown[];
    return [...conditionalBranches(whenTrue), ...conditionalBranches(whenFalse)].filter((v) => !(isObject(v) && v.Ref === 'AWS::NoValue'));
  }
  return [value];
}

/** The grants of a function's `Policies` (inline statements, SAM policy templates) or of its `Role`'s inline policies. */
export function functionGrants(template: CfnTemplate, functionId: string): { grants: Grant[]; problems: string[] } {
  const properties = template.Resources[functionId]?.Properties ?? {};
  const grants: Grant[] = [];
  const problems: string[] = [];

  const role = properties.Role;
  if (role !== undefined) {
    const roleId = resolveResource(role);
    const roleResource = template.Resources[roleId];
    if (roleResource?.Type !== 'AWS::IAM::Role') {
      problems.push(`${functionId}: Role ${JSON.stringify(role)} is not a role of this template; its permissions cannot be checked`);
    }
    for (const policy of asList(roleResource?.Properties?.Policies as Json[] | undefined)) {
      grants.push(...statementGrants((policy.PolicyDocument as Json | undefined)?.Statement, `${roleId} policy ${String(policy.PolicyName)}`));
    }
  }

  for (const [i, entry] of asList(properties.Policies as unknown).entries()) {
    if (typeof entry === 'string') continue; // a managed policy: not modelled, grants nothing here
    if (!isObject(entry)) {
      problems.push(`${functionId}: Policies[${i}] is not a policy this check understands: ${JSON.stringify(entry)}`);
      continue;
    }
    if (entry.Statement !== undefined) {
      grants.push(...statementGrants(entry.Statement, `Policies[${i}]`));
      continue;
    }
    const [name] = Object.keys(entry);
    const samTemplate = name ? SAM_POLICY_TEMPLATES[name] : undefined;
    if (!name || !samTemplate) {
      problems.push(`${functionId}: Policies[${i}] ${name ?? ''} is not a known SAM policy template; add it to SAM_POLICY_TEMPLATES`);
      continue;
    }
    const target = resolveResource((entry[name] as Json | undefined)?.[samTemplate.parameter]);
    grants.push({ effect: 'Allow', label: `Policies[${i}] ${name}`, actions: [...samTemplate.actions], resources: samTemplate.resources.map((r) => r.replace('${p}', target)) });
  }
  return { grants, problems };
}

/** IAM-style glob: `*` any run of characters, `?` one. */
function glob(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\/]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}
const actionMatches = (granted: string, action: string) => glob(granted, action, true);
const resourceMatches = (granted: string, resource: string) => glob(granted, resource, false);

const SERVERLESS_FUNCTION_TYPES = ['AWS::Serverless::Function', 'AWS::Lambda::Function'];

/**
 * Each function's policy allows every IAM action its commands need, on the resource
 * each command targets; no statement allows `Action: '*'`, or a write action on
 * `Resource: '*'`. A function missing from the table is a problem, so new functions
 * must declare what they send.
 */
export function checkFunctionPermissions(template: CfnTemplate, table: Readonly<Record<string, readonly SdkCommand[]>> = FUNCTION_COMMANDS): string[] {
  const problems: string[] = [];
  const functions = resourcesOfType(template, ...SERVERLESS_FUNCTION_TYPES).map(([id]) => id);
  for (const id of Object.keys(table)) {
    if (!functions.includes(id)) problems.push(`${id}: listed in FUNCTION_COMMANDS but not a function of this template`);
  }
  for (const fn of functions) {
    const commands = table[fn];
    if (!commands) {
      problems.push(`${fn}: not in FUNCTION_COMMANDS; list the SDK commands its code sends`);
      continue;
    }
    const { grants, problems: grantProblems } = functionGrants(template, fn);
    problems.push(...grantProblems);

    for (const grant of grants.filter((g) => g.effect === 'Allow')) {
      if (grant.actions.includes('*')) problems.push(`${fn}: ${grant.label} allows Action '*'`);
      const writes = grant.actions.filter((a) => isWriteAction(a) && !RESOURCE_STAR_ONLY.has(a));
      if (grant.resources.includes('*') && writes.length) problems.push(`${fn}: ${grant.label} allows write action(s) ${writes.join(', ')} on Resource '*'`);
    }

    for (const command of commands) {
      const target = command.resource;
      const known = command.external
        ? true
        : command.viaRole
        ? template.Parameters?.[target] !== undefined
        : target.startsWith('secret:')
          ? template.Parameters?.[target.slice('secret:'.length).replace(/[-*?].*$/, '')] !== undefined
          : template.Resources[target.split('/')[0]!] !== undefined;
      if (!known) problems.push(`${fn}: FUNCTION_COMMANDS targets ${target}, which is not a ${command.viaRole ? 'parameter' : 'resource'} of this template`);
      for (const action of command.viaRole ? ['sts:AssumeRole'] : iamActionsFor(command)) {
        const applies = (g: Grant) => g.actions.some((a) => actionMatches(a, action)) && g.resources.some((r) => resourceMatches(r, target));
        const allowed = grants.some((g) => g.effect === 'Allow' && applies(g));
        const denied = grants.some((g) => g.effect === 'Deny' && applies(g));
        if (allowed && !denied) continue;
        const elsewhere = grants.filter((g) => g.effect === 'Allow' && g.actions.some((a) => actionMatches(a, action))).flatMap((g) => g.resources);
        const why = `${command.operation} on ${target}`;
        if (denied) problems.push(`${fn}: ${action} (${why}) is denied`);
        else if (elsewhere.length) problems.push(`${fn}: ${action} (${why}) is allowed on ${[...new Set(elsewhere)].join(', ')} but not on ${target}`);
        else problems.push(`${fn}: ${action} (${why}) is not allowed`);
      }
    }
  }
  return problems;
}

/**
 * Grants no command needs, on the services the function's commands use (other services,
 * such as KMS for encrypted queues, serve the platform rather than the code).
 */
export function excessGrants(template: CfnTemplate, table: Readonly<Record<string, readonly SdkCommand[]>> = FUNCTION_COMMANDS): string[] {
  const excess: string[] = [];
  for (const [fn, commands] of Object.entries(table)) {
    const needed = commands.flatMap((c) => iamActionsFor(c).map((action) => ({ action, resource: c.resource })));
    const services = new Set(commands.map((c) => `${c.service}:`));
    for (const grant of functionGrants(template, fn).grants.filter((g) => g.effect === 'Allow')) {
      for (const action of grant.actions.filter((a) => [...services].some((s) => a.startsWith(s)))) {
        for (const resource of grant.resources) {
          const used = needed.some((n) => actionMatches(action, n.action) && resourceMatches(resource, n.resource));
          if (!used) excess.push(`${fn}: ${action} on ${resource}`);
        }
      }
    }
  }
  return excess;
}

// ------------------------------------------------------------ commands in the code

export interface DiscoveredCommand {
  file: string;
  /** The class as written: `GetCommand`, `SendMessageCommand`, ... */
  command: string;
  service: string;
  operation: string;
  transactItems: TransactItem[];
}

/** lib-dynamodb's document commands, by the operation they send. */
const LIB_DYNAMODB_OPERATIONS: Readonly<Record<string, string>> = {
  GetCommand: 'GetItem',
  PutCommand: 'PutItem',
  UpdateCommand: 'UpdateItem',
  DeleteCommand: 'DeleteItem',
  QueryCommand: 'Query',
  ScanCommand: 'Scan',
  BatchGetCommand: 'BatchGetItem',
  BatchWriteCommand: 'BatchWriteItem',
  TransactGetCommand: 'TransactGetItems',
  TransactWriteCommand: 'TransactWriteItems',
  ExecuteStatementCommand: 'ExecuteStatement',
  BatchExecuteStatementCommand: 'BatchExecuteStatement',
  ExecuteTransactionCommand: 'ExecuteTransaction',
};

/** `@aws-sdk/client-<name>` packages whose IAM prefix is not `<name>`. */
const CLIENT_SERVICES: Readonly<Record<string, string>> = {
  'secrets-manager': 'secretsmanager',
  'config-service': 'config',
  eventbridge: 'events',
  'cloudwatch-logs': 'logs',
};

export type ReadSource = (path: string) => string | undefined;
const readFromDisk: ReadSource = (path) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined);

function resolveImport(from: string, specifier: string, read: ReadSource): string | undefined {
  const base = normalize(join(dirname(from), specifier));
  const candidates = [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((c) => read(c) !== undefined);
}

/**
 * The SDK commands the code reachable from `entry` (through relative imports) sends:
 * every `new <X>Command(` whose class is imported from `@aws-sdk/lib-dynamodb` or an
 * `@aws-sdk/client-*` package. For TransactWriteItems, the item kinds (`Put: {`, ...)
 * written in the same file.
 */
export function discoverSdkCommands(entry: string, read: ReadSource = readFromDisk): DiscoveredCommand[] {
  const seen = new Set<string>();
  const queue = [normalize(entry)];
  const found: DiscoveredCommand[] = [];
  while (queue.length) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = read(file);
    if (source === undefined) continue;

    for (const m of source.matchAll(/(?:import|export)\s[^;]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)) {
      const next = resolveImport(file, (m[1] ?? m[2])!, read);
      if (next) queue.push(next);
    }

    const sdkClasses = new Map<string, { pkg: string; exported: string }>();
    for (const m of source.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s*from\s*['"](@aws-sdk\/(?:lib-dynamodb|client-[a-z0-9-]+))['"]/g)) {
      for (const spec of m[1]!.split(',').map((s) => s.trim()).filter((s) => s && !s.startsWith('type '))) {
        const [exported, local = exported] = spec.split(/\s+as\s+/) as [string, string?];
        sdkClasses.set(local, { pkg: m[2]!, exported });
      }
    }
    const transactItems = [...new Set([...source.matchAll(/\b(Put|Update|Delete|ConditionCheck)\s*:\s*\{/g)].map((m) => m[1] as TransactItem))];

    for (const m of source.matchAll(/\bnew\s+(\w+Command)\s*\(/g)) {
      const imported = sdkClasses.get(m[1]!);
      if (!imported) continue;
      const { pkg, exported } = imported;
      const client = pkg.replace('@aws-sdk/client-', '');
      const service = pkg === '@aws-sdk/lib-dynamodb' ? 'dynamodb' : (CLIENT_SERVICES[client] ?? client);
      const operation = pkg === '@aws-sdk/lib-dynamodb' ? (LIB_DYNAMODB_OPERATIONS[exported] ?? exported.replace(/Command$/, '')) : exported.replace(/Command$/, '');
      if (found.some((f) => f.file === file && f.command === exported)) continue;
      found.push({ file, command: exported, service, operation, transactItems: operation === 'TransactWriteItems' ? transactItems : [] });
    }
  }
  return found;
}

/** The function's entry file: esbuild `Metadata.BuildProperties.EntryPoints[0]`. */
export function functionEntryPoint(template: CfnTemplate, functionId: string): string | undefined {
  const build = template.Resources[functionId]?.Metadata?.BuildProperties as Json | undefined;
  const entry = asList(build?.EntryPoints as string | string[] | undefined)[0];
  return entry === undefined ? undefined : normalize(entry);
}

/**
 * The table lists every command the code sends (and the transaction item kinds it
 * uses), and nothing the code no longer sends.
 */
export function checkCommandTable(
  template: CfnTemplate,
  table: Readonly<Record<string, readonly SdkCommand[]>> = FUNCTION_COMMANDS,
  read: ReadSource = readFromDisk,
): string[] {
  const problems: string[] = [];
  for (const [fn, commands] of Object.entries(table)) {
    const entry = functionEntryPoint(template, fn);
    if (!entry || read(entry) === undefined) {
      problems.push(`${fn}: no readable entry point in Metadata.BuildProperties.EntryPoints`);
      continue;
    }
    const discovered = discoverSdkCommands(entry, read);
    const listed = (d: { service: string; operation: string }) => commands.find((c) => c.service === d.service && c.operation === d.operation);
    for (const d of discovered) {
      const entryInTable = listed(d);
      if (!entryInTable) {
        problems.push(`${fn}: ${d.file} sends ${d.command} (${d.service}:${d.operation}), which FUNCTION_COMMANDS does not list`);
        continue;
      }
      const missingItems = d.transactItems.filter((item) => !(entryInTable.transactItems ?? []).includes(item));
      if (missingItems.length) problems.push(`${fn}: ${d.file} puts ${missingItems.join(', ')} items in ${d.command}, which FUNCTION_COMMANDS does not list`);
    }
    for (const c of commands) {
      if (!discovered.some((d) => d.service === c.service && d.operation === c.operation)) {
        problems.push(`${fn}: FUNCTION_COMMANDS lists ${c.service}:${c.operation}, but no code reachable from ${entry} sends it`);
      }
    }
  }
  return problems;
}
