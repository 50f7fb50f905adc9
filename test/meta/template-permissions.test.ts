import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadTemplate, type CfnTemplate } from '../../cli/local/template.js';
import {
  checkCommandTable,
  checkFunctionPermissions,
  discoverSdkCommands,
  excessGrants,
  FUNCTION_COMMANDS,
  iamActionsFor,
  resolveResource,
  type ReadSource,
} from '../support/template-checks.js';

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown };

/**
 * Grants no SDK command needs, known and reported; the template is owned elsewhere.
 * Remove an entry once the template drops the grant (the test fails until then).
 */
const KNOWN_EXCESS: string[] = [];

/** A copy of template.yaml with IngestFunction's inline statements edited. */
function withIngestStatements(template: CfnTemplate, edit: (statements: Statement[]) => void): CfnTemplate {
  const copy = structuredClone(template);
  const policies = copy.Resources.IngestFunction!.Properties!.Policies as Array<{ Statement: Statement[] }>;
  edit(policies[0]!.Statement);
  return copy;
}

const findingsTableStatement = (statements: Statement[]) => statements.find((s) => s.Sid === 'FindingsTableReadWrite')!;

describe('meta: function permissions in template.yaml', () => {
  const template = loadTemplate('template.yaml');

  it('allow every SDK command each function sends, on the resource it targets', () => {
    expect(checkFunctionPermissions(template)).toEqual([]);
  });

  it('list in FUNCTION_COMMANDS exactly the commands the code sends', () => {
    expect(checkCommandTable(template)).toEqual([]);
  });

  it('grant nothing on those services beyond the known, reported excess', () => {
    expect(excessGrants(template)).toEqual(KNOWN_EXCESS);
  });
});

describe('meta: the permission model', () => {
  it('authorizes each TransactWriteItems item as its own operation, per "Using IAM with DynamoDB transactions"', () => {
    expect(iamActionsFor({ service: 'dynamodb', operation: 'TransactWriteItems', resource: 'T', transactItems: ['Put'] })).toEqual(['dynamodb:PutItem']);
    expect(iamActionsFor({ service: 'dynamodb', operation: 'TransactWriteItems', resource: 'T', transactItems: ['Put', 'ConditionCheck', 'Delete', 'Update'] })).toEqual([
      'dynamodb:PutItem',
      'dynamodb:ConditionCheckItem',
      'dynamodb:DeleteItem',
      'dynamodb:UpdateItem',
    ]);
    expect(iamActionsFor({ service: 'dynamodb', operation: 'GetItem', resource: 'T' })).toEqual(['dynamodb:GetItem']);
  });

  it.each([
    [{ 'Fn::GetAtt': ['FindingsTable', 'Arn'] }, 'FindingsTable'],
    [{ 'Fn::GetAtt': 'FindingsTable.Arn' }, 'FindingsTable'],
    [{ 'Fn::GetAtt': ['FindingsTable', 'StreamArn'] }, 'FindingsTable.StreamArn'],
    [{ 'Fn::Sub': '${FindingsTable.Arn}/index/*' }, 'FindingsTable/index/*'],
    [{ 'Fn::Sub': 'arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${FindingsTable}' }, 'FindingsTable'],
    [{ 'Fn::Sub': ['arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${t}/index/*', { t: { Ref: 'FindingsTable' } }] }, 'FindingsTable/index/*'],
    [{ 'Fn::Sub': 'arn:${AWS::Partition}:dynamodb:*:${AWS::AccountId}:table/${FindingsTable}/index/*' }, 'FindingsTable/index/*'],
    ['*', '*'],
  ])('resolves the resource %j to %s', (resource, expected) => {
    expect(resolveResource(resource)).toBe(expected);
  });

  it('covers every function of the template', () => {
    const functions = Object.entries(loadTemplate('template.yaml').Resources).filter(([, r]) => r.Type === 'AWS::Serverless::Function').map(([id]) => id);
    expect(Object.keys(FUNCTION_COMMANDS).sort()).toEqual(functions.sort());
  });
});

describe('meta: the permission checks catch broken templates', () => {
  const template = loadTemplate('template.yaml');

  it('fails when dynamodb:PutItem is removed from IngestFunction', () => {
    // Prepare
    const broken = withIngestStatements(template, (statements) => {
      const statement = findingsTableStatement(statements);
      statement.Action = (statement.Action as string[]).filter((a) => a !== 'dynamodb:PutItem');
    });
    // Act
    const problems = checkFunctionPermissions(broken);
    // Assess: both PutItem and the transaction's Put items need it.
    expect(problems).toEqual([
      'IngestFunction: dynamodb:PutItem (PutItem on FindingsTable) is not allowed',
      'IngestFunction: dynamodb:PutItem (TransactWriteItems on FindingsTable) is not allowed',
    ]);
  });

  it('fails when the table actions are granted on another resource', () => {
    const broken = withIngestStatements(template, (statements) => {
      findingsTableStatement(statements).Resource = { 'Fn::Sub': '${FindingsTable.Arn}/index/*' };
    });
    expect(checkFunctionPermissions(broken)).toContain('IngestFunction: dynamodb:GetItem (GetItem on FindingsTable) is allowed on FindingsTable/index/* but not on FindingsTable');
  });

  it("fails on Action '*'", () => {
    const broken = withIngestStatements(template, (statements) => {
      statements.push({ Sid: 'Everything', Effect: 'Allow', Action: '*', Resource: { 'Fn::GetAtt': ['FindingsTable', 'Arn'] } });
    });
    expect(checkFunctionPermissions(broken)).toEqual(["IngestFunction: Policies[0] statement Everything allows Action '*'"]);
  });

  it("fails on a write action on Resource '*', and lets a read action through", () => {
    const write = withIngestStatements(template, (statements) => {
      findingsTableStatement(statements).Resource = '*';
    });
    const read = withIngestStatements(template, (statements) => {
      statements.push({ Sid: 'DescribeAnyTable', Effect: 'Allow', Action: ['dynamodb:DescribeTable'], Resource: '*' });
    });
    expect(checkFunctionPermissions(write)).toEqual([
      "IngestFunction: Policies[0] statement FindingsTableReadWrite allows write action(s) dynamodb:PutItem, dynamodb:UpdateItem on Resource '*'",
    ]);
    expect(checkFunctionPermissions(read)).toEqual([]);
  });

  it('fails when a Deny takes back what an Allow grants', () => {
    const broken = withIngestStatements(template, (statements) => {
      statements.push({ Sid: 'NoGets', Effect: 'Deny', Action: 'dynamodb:Get*', Resource: { 'Fn::GetAtt': ['FindingsTable', 'Arn'] } });
    });
    expect(checkFunctionPermissions(broken)).toEqual(['IngestFunction: dynamodb:GetItem (GetItem on FindingsTable) is denied']);
  });

  it('expands SAM policy templates: DynamoDBCrudPolicy covers the commands, DynamoDBReadPolicy does not', () => {
    const withPolicies = (policies: unknown[]) => {
      const copy = structuredClone(template);
      copy.Resources.IngestFunction!.Properties!.Policies = policies;
      return copy;
    };
    expect(checkFunctionPermissions(withPolicies([{ DynamoDBCrudPolicy: { TableName: { Ref: 'FindingsTable' } } }]))).toEqual([]);
    expect(checkFunctionPermissions(withPolicies([{ DynamoDBReadPolicy: { TableName: { Ref: 'FindingsTable' } } }]))).toEqual([
      'IngestFunction: dynamodb:PutItem (PutItem on FindingsTable) is not allowed',
      'IngestFunction: dynamodb:PutItem (TransactWriteItems on FindingsTable) is not allowed',
      'IngestFunction: dynamodb:UpdateItem (UpdateItem on FindingsTable) is not allowed',
    ]);
    expect(checkFunctionPermissions(withPolicies([{ DynamoDBCrudPolicy: { TableName: { Ref: 'FindingsTable' } } }, { AWSSecretsManagerGetSecretValuePolicy: { SecretArn: 'x' } }]))).toEqual([
      'IngestFunction: Policies[1] AWSSecretsManagerGetSecretValuePolicy is not a known SAM policy template; add it to SAM_POLICY_TEMPLATES',
    ]);
  });

  it('fails a function that FUNCTION_COMMANDS does not describe', () => {
    const copy = structuredClone(template);
    copy.Resources.NotifyFunction = { Type: 'AWS::Serverless::Function', Properties: { Policies: [] } };
    expect(checkFunctionPermissions(copy)).toEqual(['NotifyFunction: not in FUNCTION_COMMANDS; list the SDK commands its code sends']);
  });
});

describe('meta: the command table follows the code', () => {
  const template = loadTemplate('template.yaml');
  const store = 'functions/shared/adapters/dynamodb-finding-store.ts';
  /** The real files, with one replaced. */
  const readWith =
    (path: string, text: string): ReadSource =>
    (p) => {
      if (p === path) return text;
      try {
        return readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    };

  it('finds the commands the ingest function sends, through its imports', () => {
    const found = discoverSdkCommands('functions/ingest/handler.ts').map((d) => `${d.command} ${d.service}:${d.operation} [${d.transactItems.join(',')}]`);
    expect(found).toEqual(['QueryCommand dynamodb:Query []', 'GetCommand dynamodb:GetItem []', 'PutCommand dynamodb:PutItem []', 'TransactWriteCommand dynamodb:TransactWriteItems [Put]', 'UpdateCommand dynamodb:UpdateItem []']);
  });

  it('fails when the code sends a command the table does not list', () => {
    // Prepare: the store also deletes an item.
    const source = readFileSync(store, 'utf8')
      .replace('GetCommand, PutCommand,', 'DeleteCommand, GetCommand, PutCommand,')
      .concat('\nexport const purge = (c: DynamoDBDocumentClient) => c.send(new DeleteCommand({ TableName: "t", Key: {} }));\n');
    // Act
    const problems = checkCommandTable(template, FUNCTION_COMMANDS, readWith(store, source)).filter((p) => p.startsWith('IngestFunction:'));
    // Assess
    expect(problems).toEqual([`IngestFunction: ${store} sends DeleteCommand (dynamodb:DeleteItem), which FUNCTION_COMMANDS does not list`]);
  });

  it('fails when a transaction gains an item kind the table does not list', () => {
    const source = readFileSync(store, 'utf8').replace('{ Put: { TableName: this.tableName, Item: findingItem(decision.next)', '{ ConditionCheck: { TableName: this.tableName, Item: findingItem(decision.next)');
    expect(checkCommandTable(template, FUNCTION_COMMANDS, readWith(store, source)).filter((p) => p.startsWith('IngestFunction:'))).toEqual([
      `IngestFunction: ${store} puts ConditionCheck items in TransactWriteCommand, which FUNCTION_COMMANDS does not list`,
    ]);
  });

  it('fails when the table lists a command the code no longer sends', () => {
    const table = { IngestFunction: [...FUNCTION_COMMANDS.IngestFunction!, { service: 'dynamodb', operation: 'DeleteItem', resource: 'FindingsTable' }] };
    expect(checkCommandTable(template, table)).toEqual([
      'IngestFunction: FUNCTION_COMMANDS lists dynamodb:DeleteItem, but no code reachable from functions/ingest/handler.ts sends it',
    ]);
  });
});

describe('meta: what a function sends through an assumed role, that role grants', () => {
  it('the management-account reader role allows every Organizations call the directory sync makes', () => {
    // Prepare
    const reader = loadTemplate('infra/management-organizations-reader.yaml');
    const statements = (reader.Resources.OrganizationsReaderRole!.Properties!.Policies as Array<{ PolicyDocument: { Statement: Array<{ Effect: string; Action: string | string[] }> } }>).flatMap(
      (p) => p.PolicyDocument.Statement,
    );
    const granted = new Set(statements.filter((s) => s.Effect === 'Allow').flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));
    // Act
    const viaRole = Object.values(FUNCTION_COMMANDS)
      .flat()
      .filter((c) => c.viaRole)
      .map((c) => `${c.service}:${c.operation}`);
    // Assess
    expect(viaRole.length).toBeGreaterThan(0);
    expect(viaRole.filter((action) => !granted.has(action))).toEqual([]);
  });
});
