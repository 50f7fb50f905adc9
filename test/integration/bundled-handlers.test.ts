import { build } from 'esbuild';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { loadTemplate } from '../../cli/local/template.js';
import { esbuildOptions, type EsbuildProperties } from '../../scripts/build.js';
import { ingestStream } from '../support/events.js';
import { admin, apiEvent } from '../support/http-events.js';
import { lambdaContext, sqsEvent, type IngestHandler } from '../support/sqs.js';
import { freshTables, localDocumentClient } from '../support/tables.js';
import { tableState } from '../support/table-state.js';

/**
 * The bundles Lambda runs, not the TypeScript the other tests import: each function built
 * with its template.yaml BuildProperties (MainFields: module,main puts the AWS SDK's ES
 * module build in the bundle), then driven against DynamoDB Local beside the source
 * handler. A bundling setting that breaks the SDK's serialization or a library at run
 * time shows up here as a difference, not at the first deployment.
 */
type ApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const template = loadTemplate('template.yaml');
const db = localDocumentClient();
let outRoot: string;

async function bundle(functionName: string): Promise<string> {
  const properties = (template.Resources[functionName]!.Metadata!.BuildProperties ?? {}) as EsbuildProperties;
  const outdir = join(outRoot, functionName);
  await build({ ...esbuildOptions(properties), outdir, sourcemap: false });
  return join(outdir, readdirSync(outdir).find((file) => file.endsWith('.mjs'))!);
}

/** A module imported under an environment: its module-level code reads it once, as at a cold start. */
async function importWith<T>(file: string, env: Record<string, string>): Promise<T> {
  Object.assign(process.env, env);
  vi.resetModules();
  return (await import(/* @vite-ignore */ `${pathToFileURL(file).href}?t=${Date.now()}`)) as T;
}

/**
 * One event per batch: a batch's records are processed concurrently, so two observations
 * of one finding in a batch may land in either order (history then differs, rightly).
 */
async function ingestAll(handler: IngestHandler, events: unknown[]): Promise<string[]> {
  const failures: string[] = [];
  for (const event of events) failures.push(...(await handler(sqsEvent([event]), lambdaContext())).batchItemFailures.map((f) => f.itemIdentifier));
  return failures;
}

describe('function bundles as Lambda runs them, against DynamoDB Local', () => {
  let sourceTable: string;
  let bundledTable: string;
  const endpoint = { AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'), AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };

  beforeAll(async () => {
    outRoot = mkdtempSync(join(tmpdir(), 'vigil-bundles-'));
    [sourceTable, bundledTable] = await Promise.all([freshTables().then((t) => t.FindingsTable!), freshTables().then((t) => t.FindingsTable!)]);
  }, 120_000);
  afterAll(() => rmSync(outRoot, { recursive: true, force: true }));

  it('the ingest bundle stores exactly what the source handler stores', async () => {
    const events = ingestStream();
    const source = await importWith<{ handler: IngestHandler }>(join(process.cwd(), 'functions/ingest/handler.ts'), { ...endpoint, TABLE_NAME: sourceTable });
    expect(await ingestAll(source.handler, events)).toEqual([]);
    const bundled = await importWith<{ handler: IngestHandler }>(await bundle('IngestFunction'), { ...endpoint, TABLE_NAME: bundledTable });
    expect(await ingestAll(bundled.handler, events)).toEqual([]);

    const [fromSource, fromBundle] = await Promise.all([tableState(db, sourceTable), tableState(db, bundledTable)]);
    expect(fromSource.filter((item) => item.sk === 'F').length).toBeGreaterThan(10);
    expect(fromBundle).toEqual(fromSource);
  }, 120_000);

  it('the query API bundle answers from that table as the source handler does', async () => {
    const env = { ...endpoint, TABLE_NAME: bundledTable, FINDINGS_REGIONS: 'us-east-1', CURSOR_KEY: 'bundle-test-cursor-key', POWERTOOLS_SERVICE_NAME: 'query-api' };
    const source = await importWith<{ handler: ApiHandler }>(join(process.cwd(), 'functions/query-api/handler.ts'), env);
    const bundled = await importWith<{ handler: ApiHandler }>(await bundle('QueryApiFunction'), env);
    for (const path of ['/findings?limit=5', '/findings?severity=HIGH', '/summary']) {
      const [fromSource, fromBundle] = await Promise.all([source.handler(apiEvent({ path, identity: admin() }), lambdaContext('vigil-query')), bundled.handler(apiEvent({ path, identity: admin() }), lambdaContext('vigil-query'))]);
      expect(fromBundle.statusCode, `${path}: ${String(fromBundle.body)}`).toBe(200);
      expect(JSON.parse(String(fromBundle.body))).toEqual(JSON.parse(String(fromSource.body)));
    }
    const page = JSON.parse(String((await bundled.handler(apiEvent({ path: '/findings?limit=5', identity: admin() }), lambdaContext('vigil-query'))).body)) as { items: unknown[] };
    expect(page.items).toHaveLength(5);
  }, 120_000);
});
