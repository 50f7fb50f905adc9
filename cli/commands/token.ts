import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { LOCAL_TOKEN_TTL_SECONDS, mintLocalToken } from '../../functions/shared/adapters/local-jwt.js';
import { TEAM_PATTERN } from '../../functions/shared/core/query/caller.js';
import { UsageError } from './normalize.js';

export const LOCAL_JWT_KEY_FILE = join('.vigil', 'local-jwt.key');

/**
 * The secret local tokens are signed with: `VIGIL_LOCAL_JWT_SECRET` if set, else the
 * contents of `.vigil/local-jwt.key`, created (random, owner-only) on first use. The
 * local API (`npm start`) and `vigil token` read the same one.
 */
export function localJwtSecret(options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const env = options.env ?? process.env;
  const fromEnv = env.VIGIL_LOCAL_JWT_SECRET?.trim();
  if (fromEnv) return fromEnv;
  const file = join(options.cwd ?? process.cwd(), LOCAL_JWT_KEY_FILE);
  if (existsSync(file)) {
    const secret = readFileSync(file, 'utf8').trim();
    if (secret.length >= 16) return secret;
  }
  mkdirSync(dirname(file), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}

const USAGE = 'usage: vigil token (--team TEAM [--team TEAM ...] | --admin) [--sub NAME] [--ttl SECONDS]';

/**
 * `vigil token`: a bearer token for the local API, as a member of the given teams or as
 * an administrator. Says what it minted on stderr-like lines first; the token is the
 * last line, so `$(vigil token --team payments | tail -n1)` gets it.
 */
export async function tokenCommand(args: string[], out: (line: string) => void, options: { cwd?: string; env?: NodeJS.ProcessEnv; now?: Date } = {}): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        team: { type: 'string', multiple: true },
        admin: { type: 'boolean', default: false },
        sub: { type: 'string' },
        ttl: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const { team = [], admin, sub, ttl } = parsed.values;
  if (!admin && team.length === 0) throw new UsageError(`give --team at least once, or --admin\n${USAGE}`);
  const bad = team.find((t) => !TEAM_PATTERN.test(t));
  if (bad) throw new UsageError(`"${bad}" is not a team name (lowercase letters, digits and hyphens)`);
  const ttlSeconds = ttl === undefined ? LOCAL_TOKEN_TTL_SECONDS : Number(ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new UsageError(`--ttl must be a positive number of seconds\n${USAGE}`);
  const env = options.env ?? process.env;
  const secret = localJwtSecret({ ...options, env });
  const subject = sub ?? (admin ? 'local-admin' : `local-${team.join('-')}`);
  const teamsClaim = env.TEAMS_CLAIM?.trim() || 'vigil:teams';
  const token = await mintLocalToken(secret, { sub: subject, teams: team, admin, teamsClaim, ttlSeconds, ...(options.now ? { now: options.now } : {}) });
  const expires = new Date((options.now ?? new Date()).getTime() + ttlSeconds * 1000).toISOString();
  out(`# local token for ${subject}: ${admin ? 'admin' : `teams ${team.join(', ')}`}; expires ${expires}`);
  out(`# use: curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:<port>/findings`);
  out(token);
  return 0;
}
