import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { authorizerClaims } from '../../cli/local/http-api.js';
import { lambdaContext } from './sqs.js';

/** Who the request claims to be, as API Gateway's authorizers pass it on. */
export type Identity = { claims: Record<string, unknown> } | { iam: { userArn: string } } | { none: true };

export const member = (sub: string, ...teams: string[]): Identity => ({ claims: { sub, 'vigil:teams': teams } });
export const admin = (sub = 'root'): Identity => ({ claims: { sub, scope: 'openid vigil/admin' } });

export interface ApiRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path and query string, e.g. `/findings?team=payments`. */
  path: string;
  body?: unknown;
  identity: Identity;
}

/** An HTTP API (payload 2.0) event as API Gateway sends it after its authorizer (claims as strings, arrays as `[a b]`). */
export function apiEvent(request: ApiRequest): APIGatewayProxyEventV2 {
  const url = new URL(request.path, 'https://api.example.com');
  const method = request.method ?? 'GET';
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  const authorizer =
    'claims' in request.identity
      ? { jwt: { claims: authorizerClaims(request.identity.claims), scopes: null } }
      : 'iam' in request.identity
        ? { iam: { userArn: request.identity.iam.userArn, accountId: '111122223333', callerId: 'AROAEXAMPLE:session' } }
        : undefined;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers: { host: 'api.example.com', ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '111122223333',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'vitest' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
      ...(authorizer ? { authorizer } : {}),
    } as APIGatewayProxyEventV2['requestContext'],
    isBase64Encoded: false,
    ...(request.body !== undefined ? { body: typeof request.body === 'string' ? request.body : JSON.stringify(request.body) } : {}),
  };
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON read by assertions
  contentType: string;
}

type Resolver = (event: APIGatewayProxyEventV2, context: ReturnType<typeof lambdaContext>) => Promise<APIGatewayProxyStructuredResultV2>;

/** Calls the API's router (or handler) with an event, and reads the result as a client would. */
export async function callApi(resolve: Resolver, request: ApiRequest): Promise<ApiResponse> {
  const result = await resolve(apiEvent(request), lambdaContext('vigil-query-api'));
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
  const text = result.body ?? '';
  return { status: result.statusCode ?? 200, headers, body: text ? JSON.parse(text) : undefined, contentType: headers['content-type'] ?? '' };
}
