import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { bearerToken, verifyLocalToken } from '../../functions/shared/adapters/local-jwt.js';

/** A Lambda handler for API Gateway HTTP API events (payload format 2.0). */
export type HttpApiHandler = (event: APIGatewayProxyEventV2WithJWTAuthorizer, context: Context) => Promise<APIGatewayProxyResultV2>;

export interface LocalHttpApiOptions {
  /** 0 or absent: any free port. */
  port?: number;
  handler: HttpApiHandler;
  /** The function's environment; LOCAL_JWT_SECRET is the key local tokens are signed with. */
  env: Record<string, string | undefined>;
  host?: string;
  region?: string;
  accountId?: string;
}

export interface LocalHttpApi {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Most a request body may be, as API Gateway's payload limit (10 MB). */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * How API Gateway's JWT authorizer hands claims to the function: every value a string,
 * arrays as `[a b]`, objects as JSON.
 */
export function authorizerClaims(payload: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) out[name] = `[${value.map(String).join(' ')}]`;
    else if (typeof value === 'object') out[name] = JSON.stringify(value);
    else out[name] = String(value);
  }
  return out;
}

/**
 * Serves an HTTP API handler on this machine the way API Gateway serves it in AWS: it
 * verifies the bearer token as the JWT authorizer would (401 `{"message":"Unauthorized"}`
 * before the function runs), turns the request into a payload 2.0 event with the token's
 * claims in `requestContext.authorizer.jwt.claims`, calls the handler, and writes its
 * result back. Tokens come from `vigil token`.
 */
export async function startLocalHttpApi(options: LocalHttpApiOptions): Promise<LocalHttpApi> {
  const secret = options.env.LOCAL_JWT_SECRET;
  if (!secret) throw new Error('startLocalHttpApi: env.LOCAL_JWT_SECRET is required (the key `vigil token` signs with)');
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';

  const server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      // The handler itself failed (an unhandled rejection): API Gateway answers 500 like this.
      process.stderr.write(`local http api: ${(error as Error).stack ?? String(error)}\n`);
      if (!res.headersSent) send(res, 500, { 'content-type': 'application/json' }, JSON.stringify({ message: 'Internal Server Error' }));
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) return send(res, 413, { 'content-type': 'application/json' }, JSON.stringify({ message: 'Request Entity Too Large' }));
      chunks.push(chunk as Buffer);
    }
    const token = bearerToken(header(req, 'authorization'));
    let claims: Record<string, unknown>;
    try {
      if (!token) throw new Error('no token');
      claims = await verifyLocalToken(secret!, token);
    } catch {
      return send(res, 401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' }, JSON.stringify({ message: 'Unauthorized' }));
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const body = Buffer.concat(chunks);
    const now = new Date();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined && name !== 'cookie') headers[name] = Array.isArray(value) ? value.join(',') : value;
    const query: Record<string, string> = {};
    for (const [name, value] of url.searchParams) query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
    const cookies = header(req, 'cookie')?.split(/;\s*/).filter(Boolean);
    const requestId = randomUUID();
    const method = (req.method ?? 'GET').toUpperCase();
    const event: APIGatewayProxyEventV2WithJWTAuthorizer = {
      version: '2.0',
      routeKey: '$default',
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers,
      ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
      ...(cookies?.length ? { cookies } : {}),
      requestContext: {
        accountId,
        apiId: 'local',
        authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: authorizerClaims(claims), scopes: [] } },
        domainName: headers.host ?? 'localhost',
        domainPrefix: 'local',
        http: { method, path: url.pathname, protocol: `HTTP/${req.httpVersion}`, sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
        requestId,
        routeKey: '$default',
        stage: '$default',
        time: now.toISOString(),
        timeEpoch: now.getTime(),
      },
      isBase64Encoded: body.length > 0 && !isText(headers['content-type']),
      ...(body.length > 0 ? { body: isText(headers['content-type']) ? body.toString('utf8') : body.toString('base64') } : {}),
    };
    const result = await options.handler(event, lambdaContext(requestId, region, accountId));
    writeResult(res, result);
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => ok());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://${options.host ?? '127.0.0.1'}:${port}`, port, stop: () => close(server) };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function isText(contentType: string | undefined): boolean {
  return !contentType || /^(text\/|application\/(.+\+)?(json|xml|x-www-form-urlencoded))/i.test(contentType);
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  res.writeHead(status, headers);
  res.end(body);
}

/** Writes a payload 2.0 result as API Gateway does (a bare string or object is a 200 JSON body). */
function writeResult(res: ServerResponse, result: APIGatewayProxyResultV2): void {
  if (typeof result === 'string' || result === null || typeof result !== 'object' || !('statusCode' in result)) {
    return send(res, 200, { 'content-type': 'application/json' }, typeof result === 'string' ? result : JSON.stringify(result));
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  res.writeHead(result.statusCode ?? 200, headers);
  res.end(result.body === undefined ? undefined : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
}

function lambdaContext(requestId: string, region: string, accountId: string): Context {
  const name = 'vigil-query-api';
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${name}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
