import { describe, expect, it } from 'vitest';
import { loadTemplate, tablesFromTemplate } from '../../cli/local/template.js';
import { wiringFromTemplate } from '../../cli/local/wiring.js';
import { ROUTES } from '../../functions/query-api/app/router.js';
import { INDEXES, OPEN_CONFIG_INDEX } from '../../functions/shared/adapters/query-keys.js';
import { loadOpenApi } from '../support/openapi.js';
import { checkCommandTable, checkFunctionPermissions, excessGrants, FUNCTION_COMMANDS } from '../support/template-checks.js';

describe('meta: the query API in template.yaml', () => {
  const template = loadTemplate('template.yaml');
  const QUERY_API_COMMANDS = Object.fromEntries(['QueryApiFunction', 'AggregatorFunction', 'SuppressionExpiryFunction'].map((fn) => [fn, FUNCTION_COMMANDS[fn]!]));

  it('lists exactly the SDK commands each function’s code sends', () => {
    expect(checkCommandTable(template, QUERY_API_COMMANDS)).toEqual([]);
  });

  it('allows every command on its resource, and grants nothing more on the services they use', () => {
    expect(checkFunctionPermissions(template, { ...FUNCTION_COMMANDS, ...QUERY_API_COMMANDS }).filter((p) => Object.keys(QUERY_API_COMMANDS).some((fn) => p.startsWith(`${fn}:`)))).toEqual([]);
    expect(excessGrants(template, QUERY_API_COMMANDS)).toEqual([]);
  });

  it('reads the other Regions of VigilRegions only: a same-named table, its statements conditioned on the Region', () => {
    const table = template.Resources.FindingsTable!.Properties!;
    expect(table.TableName).toEqual({ 'Fn::Sub': '${AWS::StackName}-findings' });
    const fn = template.Resources.QueryApiFunction!.Properties!;
    const env = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env.FINDINGS_REGIONS).toEqual({ 'Fn::If': ['HasOtherRegions', { Ref: 'VigilRegions' }, { Ref: 'AWS::Region' }] });
    const statements = (fn.Policies as Array<{ Statement: unknown[] }>).flatMap((p) => p.Statement);
    const crossRegion = statements
      .filter((s): s is { 'Fn::If': [string, Record<string, unknown>, unknown] } => typeof s === 'object' && s !== null && 'Fn::If' in s)
      .map((s) => {
        expect(s['Fn::If'][0]).toBe('HasOtherRegions');
        expect(s['Fn::If'][2]).toEqual({ Ref: 'AWS::NoValue' });
        return s['Fn::If'][1];
      });
    expect(crossRegion.map((s) => s.Sid)).toEqual(['FindingsTablesOfVigilRegionsQuery', 'FindingsTablesOfVigilRegionsActions', 'VigilKeysOfVigilRegions']);
    for (const statement of crossRegion) {
      // Without the condition, `*` in the ARN's Region would reach a same-named table in any Region.
      expect(statement.Condition).toMatchObject({ StringEquals: { 'aws:RequestedRegion': { 'Fn::Split': [',', { Ref: 'VigilRegions' }] } } });
    }
    expect(crossRegion[2]!.Condition).toMatchObject({ StringLike: { 'kms:ViaService': 'dynamodb.*.amazonaws.com' } });
  });

  it('never grants a Scan', () => {
    const policies = JSON.stringify(Object.keys(QUERY_API_COMMANDS).map((fn) => template.Resources[fn]!.Properties!.Policies));
    expect(policies).not.toMatch(/Scan/);
  });

  it('feeds the aggregator from the findings table’s stream, finding items only, as the local runtime reads it', () => {
    const aggregator = wiringFromTemplate(template).functions.find((f) => f.logicalId === 'AggregatorFunction');
    expect(aggregator).toMatchObject({ entryPoint: 'functions/aggregator/handler.ts', streams: [{ table: 'FindingsTable', batchSize: 500 }] });
    const mapping = (template.Resources.AggregatorFunction!.Properties!.Events as Record<string, { Properties: Record<string, unknown> }>).FindingsStream!.Properties;
    expect(mapping).toMatchObject({ BisectBatchOnFunctionError: true, DestinationConfig: { OnFailure: { Type: 'SQS' } }, FilterCriteria: { Filters: [{ Pattern: '{"dynamodb":{"Keys":{"sk":{"S":["F"]}}}}' }] } });
  });

  it('creates the findings table locally with the proposed indexes: same sort key and projection as byTeam', () => {
    const [table] = tablesFromTemplate(template, (id) => id).filter((t) => t.logicalId === 'FindingsTable');
    const indexes = Object.fromEntries(table!.input.GlobalSecondaryIndexes!.map((g) => [g.IndexName, g]));
    // And the reconciler's sparse open-Config index (functions/shared/adapters/reconcile-findings.ts).
    expect(Object.keys(indexes).sort()).toEqual([INDEXES.account, INDEXES.all, INDEXES.suppression, INDEXES.team, OPEN_CONFIG_INDEX].sort());
    expect(indexes[INDEXES.all]!.Projection).toEqual(indexes[INDEXES.team]!.Projection);
    expect(indexes[INDEXES.all]!.KeySchema![1]).toEqual(indexes[INDEXES.team]!.KeySchema![1]);
    expect(indexes[INDEXES.suppression]).toMatchObject({ KeySchema: [{ AttributeName: 'gsi3pk' }, { AttributeName: 'suppressedUntil' }], Projection: { ProjectionType: 'KEYS_ONLY' } });
  });

  it('deploys the OpenAPI document as the JWT API’s definition, one Lambda integration per route', () => {
    expect(template.Resources.QueryApi!.Properties!.DefinitionBody).toEqual({ 'Fn::Transform': { Name: 'AWS::Include', Parameters: { Location: './openapi/vigil-api.yaml' } } });
    const doc = loadOpenApi();
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect(operations.sort()).toEqual([...ROUTES].sort());
    for (const methods of Object.values(doc.paths)) {
      for (const operation of Object.values(methods) as Array<Record<string, unknown>>) {
        expect(operation['x-amazon-apigateway-integration']).toMatchObject({ type: 'aws_proxy', payloadFormatVersion: '2.0' });
        expect(JSON.stringify(operation['x-amazon-apigateway-integration'])).toContain('${QueryApiFunction.Arn}');
      }
    }
    expect(JSON.stringify(doc.components)).toContain('${OidcIssuer}');
    expect(template.Parameters?.OidcAudience).toBeDefined();
  });
});
