import { jwtVerify, SignJWT, type JWTPayload } from 'jose';

/**
 * Tokens for running Vigil on one machine: HS256 with a local secret, shaped like the
 * OIDC provider's (a subject, the teams claim, the admin scope) so the API reads them
 * exactly as it reads what API Gateway's JWT authorizer passes on. Never used in AWS.
 */
export const LOCAL_ISSUER = 'vigil-local';
export const LOCAL_AUDIENCE = 'vigil';
/** Short enough that a leaked token does not live long; long enough for a working day. */
export const LOCAL_TOKEN_TTL_SECONDS = 12 * 60 * 60;

export interface LocalTokenRequest {
  sub: string;
  teams?: readonly string[];
  admin?: boolean;
  /** Claim that carries the teams (the API's TEAMS_CLAIM); default `vigil:teams`. */
  teamsClaim?: string;
  adminScope?: string;
  ttlSeconds?: number;
  now?: Date;
}

const keyOf = (secret: string) => new TextEncoder().encode(secret);

/** Signs a local token. */
export async function mintLocalToken(secret: string, request: LocalTokenRequest): Promise<string> {
  const now = Math.floor((request.now ?? new Date()).getTime() / 1000);
  const claims: JWTPayload = {};
  if (request.teams?.length) claims[request.teamsClaim ?? 'vigil:teams'] = [...request.teams];
  if (request.admin) claims.scope = request.adminScope ?? 'vigil/admin';
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(request.sub)
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + (request.ttlSeconds ?? LOCAL_TOKEN_TTL_SECONDS))
    .sign(keyOf(secret));
}

/**
 * Verifies a local token (signature, algorithm, issuer, audience, expiry) and returns its
 * claims. Throws jose's errors when it does not verify.
 */
export async function verifyLocalToken(secret: string, token: string, now?: Date): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, keyOf(secret), {
    algorithms: ['HS256'],
    issuer: LOCAL_ISSUER,
    audience: LOCAL_AUDIENCE,
    ...(now ? { currentDate: now } : {}),
  });
  return payload;
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}
