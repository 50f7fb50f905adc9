import { AccessDeniedError, UnauthenticatedError } from './errors.js';

/** Team names as routing and the template's DefaultTeam allow them. */
export const TEAM_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * Who is asking, as the API sees it: an administrator (sees and changes every finding)
 * or a member of some teams (only those teams' findings). `id` is who acts, recorded as
 * the `actor` of the history entries the caller's actions write.
 */
export type Caller =
  | { kind: 'admin'; id: string; via: CallerVia }
  | { kind: 'member'; id: string; via: CallerVia; teams: string[] };

/** How the caller proved who it is: an OIDC token (API Gateway's JWT authorizer or a local token) or SigV4. */
export type CallerVia = 'jwt' | 'iam';

export interface ClaimsOptions {
  /** The claim that lists the caller's teams (default `vigil:teams`). */
  teamsClaim: string;
  /** The OAuth scope that makes a caller an administrator (default `vigil/admin`). */
  adminScope: string;
}

export const DEFAULT_CLAIMS_OPTIONS: ClaimsOptions = { teamsClaim: 'vigil:teams', adminScope: 'vigil/admin' };

/**
 * A list-valued claim, in any shape it arrives in: a JSON array (a verified token), or
 * the string API Gateway's JWT authorizer makes of an array (`[a b]`), or a space- or
 * comma-separated string.
 */
export function claimList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string').flatMap((v) => claimList(v));
  if (typeof value !== 'string') return [];
  const inner = value.trim().replace(/^\[(.*)\]$/s, '$1');
  return inner
    .split(/[\s,]+/)
    .map((v) => v.trim().replace(/^"(.*)"$/, '$1'))
    .filter((v) => v.length > 0);
}

/**
 * The caller a set of verified JWT claims describes. Admin when the admin scope is in
 * `scope` (or `scp`, or the authorizer's scopes); otherwise a member of the teams the
 * teams claim lists (names that are not team names are ignored). Throws
 * {@link UnauthenticatedError} without a subject.
 */
export function callerFromClaims(claims: Record<string, unknown>, options: ClaimsOptions = DEFAULT_CLAIMS_OPTIONS, scopes: unknown = undefined): Caller {
  const id = typeof claims.sub === 'string' && claims.sub.length > 0 ? claims.sub : undefined;
  if (!id) throw new UnauthenticatedError('the token has no subject');
  const granted = new Set([...claimList(claims.scope), ...claimList(claims.scp), ...claimList(scopes)]);
  if (granted.has(options.adminScope)) return { kind: 'admin', id, via: 'jwt' };
  const teams = [...new Set(claimList(claims[options.teamsClaim]).filter((t) => TEAM_PATTERN.test(t)))].sort();
  return { kind: 'member', id, via: 'jwt', teams };
}

/**
 * The caller behind a SigV4-signed request (API Gateway's IAM authorizer). Admin only if
 * its principal is in the allow list: an entry matches the caller's ARN exactly, or,
 * for an assumed-role session, the role's ARN (`arn:aws:iam::<acct>:role/<name>`, without
 * a path). Any other IAM caller is a member of no team and can read nothing.
 */
export function callerFromIam(iam: { userArn?: string | null; callerId?: string | null }, adminPrincipalArns: readonly string[]): Caller {
  const arn = iam.userArn ?? undefined;
  if (!arn) throw new UnauthenticatedError('the request is not signed by an IAM principal');
  const candidates = [arn];
  const session = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(arn);
  if (session) candidates.push(`arn:${session[1]}:iam::${session[2]}:role/${session[3]}`);
  if (candidates.some((c) => adminPrincipalArns.includes(c))) return { kind: 'admin', id: arn, via: 'iam' };
  return { kind: 'member', id: arn, via: 'iam', teams: [] };
}

/** The teams whose findings the caller may see, or `all`. */
export function visibleTeams(caller: Caller): string[] | 'all' {
  return caller.kind === 'admin' ? 'all' : caller.teams;
}

export function canSee(caller: Caller, team: string): boolean {
  return caller.kind === 'admin' || caller.teams.includes(team);
}

/** Throws {@link AccessDeniedError} unless the caller may see the team's findings. */
export function requireTeam(caller: Caller, team: string): void {
  if (!canSee(caller, team)) throw new AccessDeniedError(`not a member of team ${team}`);
}

/** Throws {@link AccessDeniedError} unless the caller is an administrator (organization-wide views). */
export function requireAdmin(caller: Caller): void {
  if (caller.kind !== 'admin') throw new AccessDeniedError('only administrators see the organization-wide view');
}

/** Throws {@link AccessDeniedError} for a member of no team: there is nothing it may see. */
export function requireSomeTeam(caller: Caller): void {
  if (caller.kind === 'member' && caller.teams.length === 0) throw new AccessDeniedError('the caller is a member of no team and has no admin scope');
}

/**
 * What a cursor is bound to besides the filter: who asked and what they could see. A
 * cursor is then useless to another caller, and to the same caller once its teams change.
 */
export function cursorIdentity(caller: Caller): string {
  return caller.kind === 'admin' ? `admin|${caller.via}|${caller.id}` : `member|${caller.via}|${caller.id}|${caller.teams.join(',')}`;
}
