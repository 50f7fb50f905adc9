import { Router } from '@aws-lambda-powertools/event-handler/http';
import type { Middleware, RequestContext } from '@aws-lambda-powertools/event-handler/types';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Caller } from '../../shared/core/query/caller.js';
import { InvalidParameterError } from '../../shared/core/query/errors.js';
import { queryParameters } from '../../shared/core/query/filters.js';
import type { QueryService } from '../../shared/core/query/service.js';
import { resolveCaller } from './auth.js';
import type { QueryApiConfig } from './config.js';
import { problemFor } from './problems.js';

type Env = { store: { request: { caller: Caller } } };

export interface AppLogger {
  error(message: string, ...rest: unknown[]): void;
  warn(message: string, ...rest: unknown[]): void;
}

export interface AppDeps {
  service: QueryService;
  config: Pick<QueryApiConfig, 'claims' | 'adminPrincipalArns' | 'localJwtSecret'>;
  logger: AppLogger;
}

/** Every route of the API, as openapi/vigil-api.yaml declares them (a meta-test holds the two together). */
export const ROUTES = [
  'GET /findings',
  'GET /findings/{id}',
  'POST /findings/{id}/suppress',
  'POST /findings/{id}/acknowledge',
  'GET /summary',
  'GET /teams',
  'GET /accounts',
  'GET /coverage',
] as const;

/** Handlers return Responses: the router's own JSON typing knows nothing of our views. */
const json = (value: unknown) => Response.json(value);

async function jsonBody(req: Request): Promise<unknown> {
  const text = await req.text();
  if (text.trim() === '') throw new InvalidParameterError('body', 'expected a JSON object');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidParameterError('body', 'not valid JSON');
  }
}

/**
 * The API as one Powertools router: authentication first (every route), then one
 * service call per route; errors become RFC 9457 problems, and nothing internal leaves
 * in a 5xx. Responses are never cached: they depend on who asks.
 */
export function createApp({ service, config, logger }: AppDeps): Router<Env> {
  const app = new Router<Env>();

  const authenticate: Middleware<Env> = async ({ reqCtx, next }) => {
    reqCtx.set('caller', await resolveCaller(reqCtx.event as APIGatewayProxyEventV2, config));
    await next();
  };
  const noStore: Middleware<Env> = async ({ reqCtx, next }) => {
    await next();
    reqCtx.res.headers.set('cache-control', 'no-store');
  };
  app.use(noStore);
  app.use(authenticate);

  const caller = (reqCtx: RequestContext<Env>) => reqCtx.get('caller')!;
  // Finding ids are 32 hex digits: nothing to decode; anything else is simply not found.
  const id = (reqCtx: RequestContext<Env>) => reqCtx.params.id ?? '';

  app.get('/findings', async (reqCtx) => json(await service.listFindings(caller(reqCtx), queryParameters(new URL(reqCtx.req.url).searchParams))));
  app.get('/findings/:id', async (reqCtx) => json(await service.getFinding(caller(reqCtx), id(reqCtx))));
  app.post('/findings/:id/suppress', async (reqCtx) => json(await service.suppress(caller(reqCtx), id(reqCtx), await jsonBody(reqCtx.req))));
  app.post('/findings/:id/acknowledge', async (reqCtx) => json(await service.acknowledge(caller(reqCtx), id(reqCtx), await jsonBody(reqCtx.req))));
  app.get('/summary', async (reqCtx) => json(await service.summary(caller(reqCtx))));
  app.get('/teams', async (reqCtx) => json(await service.teams(caller(reqCtx))));
  app.get('/accounts', async (reqCtx) => json(await service.accounts(caller(reqCtx))));
  app.get('/coverage', async (reqCtx) => json(await service.coverage(caller(reqCtx))));

  app.errorHandler(Error, async (error, reqCtx) => {
    const requestId = reqCtx.context?.awsRequestId;
    const { problem, headers, internal } = problemFor(error, requestId);
    if (internal) logger.error('request failed', { error, requestId });
    else if (problem.status === 429) logger.warn('throttled by DynamoDB', { error: error.name, requestId });
    else if (problem.status === 503) logger.warn('a Region could not be read', { regions: problem.regions, cause: error.cause, requestId });
    return new Response(JSON.stringify(problem), {
      status: problem.status,
      headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store', ...headers },
    });
  });
  return app;
}
