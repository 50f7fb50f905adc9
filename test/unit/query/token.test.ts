import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCAL_JWT_KEY_FILE, localJwtSecret, tokenCommand } from '../../../cli/commands/token.js';
import { UsageError } from '../../../cli/commands/normalize.js';
import { verifyLocalToken } from '../../../functions/shared/adapters/local-jwt.js';
import { callerFromClaims } from '../../../functions/shared/core/query/caller.js';

async function run(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const lines: string[] = [];
  const status = await tokenCommand(args, (line) => lines.push(line), { cwd, env });
  return { status, lines, token: lines.at(-1)! };
}

describe('vigil token', () => {
  it('mints a member token as the last line, signed with a key it creates once, owner-only', async () => {
    // Prepare
    const cwd = mkdtempSync(join(tmpdir(), 'vigil-token-'));
    // Act
    const first = await run(['--team', 'payments', '--team', 'data'], cwd);
    const second = await run(['--admin', '--sub', 'root'], cwd);
    // Assess
    const file = join(cwd, LOCAL_JWT_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const secret = readFileSync(file, 'utf8').trim();
    expect(localJwtSecret({ cwd, env: {} })).toBe(secret);
    expect(first.status).toBe(0);
    expect(callerFromClaims(await verifyLocalToken(secret, first.token))).toEqual({ kind: 'member', id: 'local-payments-data', via: 'jwt', teams: ['data', 'payments'] });
    expect(callerFromClaims(await verifyLocalToken(secret, second.token))).toEqual({ kind: 'admin', id: 'root', via: 'jwt' });
  });

  it('signs with VIGIL_LOCAL_JWT_SECRET when set, and the token expires', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'vigil-token-'));
    const { token } = await run(['--team', 'security', '--ttl', '60'], cwd, { VIGIL_LOCAL_JWT_SECRET: 'a-local-secret-from-the-environment' });
    await expect(verifyLocalToken('a-local-secret-from-the-environment', token)).resolves.toMatchObject({ sub: 'local-security' });
    await expect(verifyLocalToken('a-local-secret-from-the-environment', token, new Date(Date.now() + 120_000))).rejects.toThrow();
    await expect(verifyLocalToken('another-secret-of-enough-length', token)).rejects.toThrow();
  });

  it.each([[[]], [['--team', 'Payments']], [['--team']], [['--admin', '--ttl', '0']], [['--bogus']]])('refuses %j with usage', async (args) => {
    await expect(run(args, mkdtempSync(join(tmpdir(), 'vigil-token-')))).rejects.toThrow(UsageError);
  });
});
