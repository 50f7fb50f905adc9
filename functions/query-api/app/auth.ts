import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { bearerToken, verifyLocalToken } from '../../shared/adapters/local-jwt.js';
import { callerFromClaims, callerFromIam, type Caller } from '../../shared/core/query/caller.js';
import { UnauthenticatedError } from '../../shared/core/query/errors.js';
import type { QueryApiConfig } from './config.js';

/** What API Gateway's authorizers put in an HTTP API (payload 2.0) request context. */
interface Authorizer {
  jwt?: { claims?: Record<string, unknown>; scopes?: unknown };
  iam?: { userArn?: string | null; callerId?: string | null };
}

/**
 * Who sent the request. In AWS, API Gateway has verified it already: the JWT authorizer
 * passes the token's claims, the IAM authorizer the signing principal. Locally
 * (`localJwtSecret` set) the function verifies the bearer token itself. Anything else is
 * unauthenticated.
 */
export async function resolveCaller(event: APIGatewayProxyEventV2, config: Pick<QueryApiConfig, 'claims' | 'adminPrincipalArns' | 'localJwtSecret'>): Promise<Caller> {
  if (config.localJwtSecret) {
    const token = bearerToken(event.headers?.authorization ?? event.headers?.Authorization);
    if (!token) throw new UnauthenticatedError('a bearer token is required');
    let claims: Record<string, unknown>;
    try {
      claims = await verifyLocalToken(config.localJwtSecret, token);
    } catch (error) {
      throw new UnauthenticatedError('the bearer token does not verify', { cause: error });
    }
    return callerFromClaims(claims, config.claims);
  }
  const authorizer = (event.requestContext as { authorizer?: Authorizer }).authorizer;
  if (authorizer?.jwt?.claims) return callerFromClaims(authorizer.jwt.claims, config.claims, authorizer.jwt.scopes);
  if (authorizer?.iam?.userArn) return callerFromIam(authorizer.iam, config.adminPrincipalArns);
  throw new UnauthenticatedError('the request carries no verified identity');
}
