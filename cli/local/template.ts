import { readFileSync } from 'node:fs';
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { parse, type CollectionTag, type ScalarTag } from 'yaml';

/** An intrinsic function kept as data, e.g. `{ "Fn::Sub": "..." }` for `!Sub`. */
const INTRINSICS = ['Ref', 'Sub', 'GetAtt', 'Join', 'If', 'Equals', 'Not', 'And', 'Or', 'Select', 'Split', 'FindInMap', 'ImportValue', 'Base64', 'Cidr', 'GetAZs', 'Condition'];

function intrinsicTags(): Array<ScalarTag | CollectionTag> {
  const tags: Array<ScalarTag | CollectionTag> = [];
  for (const name of INTRINSICS) {
    const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
    const resolve = (value: unknown) => ({ [key]: name === 'GetAtt' && typeof value === 'string' ? value.split('.') : value });
    tags.push({ tag: `!${name}`, resolve: (value: string) => resolve(value) } as ScalarTag);
    tags.push({ tag: `!${name}`, collection: 'seq', resolve: (value: { toJSON(): unknown }) => resolve(value.toJSON()) } as unknown as CollectionTag);
    tags.push({ tag: `!${name}`, collection: 'map', resolve: (value: { toJSON(): unknown }) => resolve(value.toJSON()) } as unknown as CollectionTag);
  }
  return tags;
}

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  [key: string]: unknown;
}
export interface CfnTemplate {
  Parameters?: Record<string, Record<string, unknown>>;
  Resources: Record<string, CfnResource>;
  [key: string]: unknown;
}

/** Reads a CloudFormation/SAM template, keeping `!Ref`, `!Sub`, ... as their long forms. */
export function loadTemplate(path: string): CfnTemplate {
  const text = readFileSync(path, 'utf8');
  return parse(text, { customTags: intrinsicTags(), maxAliasCount: -1 }) as CfnTemplate;
}

export interface LocalTable {
  logicalId: string;
  input: CreateTableCommandInput;
  ttlAttribute?: string;
}

/**
 * The template's DynamoDB tables as CreateTable inputs for DynamoDB Local: same keys,
 * indexes, projections and stream; the settings DynamoDB Local has no use for
 * (encryption, PITR, deletion protection, tags) are left out.
 */
export function tablesFromTemplate(template: CfnTemplate, nameFor: (logicalId: string) => string): LocalTable[] {
  const tables: LocalTable[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::DynamoDB::Table') continue;
    const p = resource.Properties ?? {};
    const input: CreateTableCommandInput = {
      TableName: nameFor(logicalId),
      AttributeDefinitions: p.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
      KeySchema: p.KeySchema as CreateTableCommandInput['KeySchema'],
      BillingMode: 'PAY_PER_REQUEST',
    };
    if (Array.isArray(p.GlobalSecondaryIndexes) && p.GlobalSecondaryIndexes.length) {
      input.GlobalSecondaryIndexes = (p.GlobalSecondaryIndexes as Array<Record<string, unknown>>).map((gsi) => ({
        IndexName: gsi.IndexName as string,
        KeySchema: gsi.KeySchema as never,
        Projection: gsi.Projection as never,
      }));
    }
    const stream = p.StreamSpecification as { StreamViewType?: string } | undefined;
    if (stream?.StreamViewType) input.StreamSpecification = { StreamEnabled: true, StreamViewType: stream.StreamViewType as never };
    const ttl = p.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
    tables.push({ logicalId, input, ...(ttl?.Enabled && ttl.AttributeName ? { ttlAttribute: ttl.AttributeName } : {}) });
  }
  return tables;
}

/** Creates the tables (idempotently) and their TTL settings; returns logical id → table name. */
export async function createTables(client: DynamoDBClient, tables: LocalTable[]): Promise<Record<string, string>> {
  const names: Record<string, string> = {};
  for (const table of tables) {
    const name = table.input.TableName!;
    names[table.logicalId] = name;
    try {
      await client.send(new CreateTableCommand(table.input));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
      continue; // persisted from an earlier run
    }
    for (let i = 0; i < 100; i++) {
      const d = await client.send(new DescribeTableCommand({ TableName: name }));
      if (d.Table?.TableStatus === 'ACTIVE') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    if (table.ttlAttribute) {
      await client.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true } }));
    }
  }
  return names;
}
