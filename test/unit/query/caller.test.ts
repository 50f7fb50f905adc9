import { describe, expect, it } from 'vitest';
import { callerFromClaims, callerFromIam, canSee, claimList, cursorIdentity, visibleTeams } from '../../../functions/shared/core/query/caller.js';
import { UnauthenticatedError } from '../../../functions/shared/core/query/errors.js';

describe('query: caller', () => {
  it.each([
    [['payments', 'data'], ['payments', 'data']],
    ['[payments data]', ['payments', 'data']],
    ['payments data', ['payments', 'data']],
    ['payments,data', ['payments', 'data']],
    ['["payments","data"]', ['payments', 'data']],
    ['', []],
    [undefined, []],
    [42, []],
  ])('reads the list claim %j', (value, expected) => {
    expect(claimList(value)).toEqual(expected);
  });

  it('makes a member of the listed teams, sorted, ignoring what is no team name', () => {
    expect(callerFromClaims({ sub: 'alice', 'vigil:teams': '[payments Data data ../x]' })).toEqual({ kind: 'member', id: 'alice', via: 'jwt', teams: ['data', 'payments'] });
  });

  it('reads the teams claim the deployment names', () => {
    expect(callerFromClaims({ sub: 'a', groups: 'security' }, { teamsClaim: 'groups', adminScope: 'vigil/admin' })).toMatchObject({ teams: ['security'] });
  });

  it.each([
    [{ sub: 'root', scope: 'openid vigil/admin' }],
    [{ sub: 'root', scp: ['vigil/admin'] }],
    [{ sub: 'root', scp: '[openid vigil/admin]' }],
  ])('makes an admin of a token with the admin scope: %j', (claims) => {
    expect(callerFromClaims(claims)).toEqual({ kind: 'admin', id: 'root', via: 'jwt' });
  });

  it('takes the admin scope from the authorizer scopes too, but not from a look-alike', () => {
    expect(callerFromClaims({ sub: 'r' }, undefined, ['vigil/admin']).kind).toBe('admin');
    expect(callerFromClaims({ sub: 'r', scope: 'vigil/administrator vigil/admin2' }).kind).toBe('member');
  });

  it('refuses claims without a subject', () => {
    expect(() => callerFromClaims({ 'vigil:teams': 'payments' })).toThrow(UnauthenticatedError);
  });

  it('makes an IAM caller admin only when its principal or its role is allowed', () => {
    const allowed = ['arn:aws:iam::111122223333:role/vigil-reporter'];
    expect(callerFromIam({ userArn: 'arn:aws:sts::111122223333:assumed-role/vigil-reporter/session-1' }, allowed)).toMatchObject({ kind: 'admin' });
    expect(callerFromIam({ userArn: 'arn:aws:iam::111122223333:role/vigil-reporter' }, allowed)).toMatchObject({ kind: 'admin' });
    expect(callerFromIam({ userArn: 'arn:aws:sts::111122223333:assumed-role/other/s' }, allowed)).toEqual({ kind: 'member', id: 'arn:aws:sts::111122223333:assumed-role/other/s', via: 'iam', teams: [] });
    expect(callerFromIam({ userArn: 'arn:aws:sts::999999999999:assumed-role/vigil-reporter/s' }, allowed).kind).toBe('member');
    expect(() => callerFromIam({}, allowed)).toThrow(UnauthenticatedError);
  });

  it('sees its own teams only; an admin sees all', () => {
    const member = callerFromClaims({ sub: 'a', 'vigil:teams': 'payments' });
    expect([canSee(member, 'payments'), canSee(member, 'data'), visibleTeams(member)]).toEqual([true, false, ['payments']]);
    expect(visibleTeams(callerFromClaims({ sub: 'r', scope: 'vigil/admin' }))).toBe('all');
  });

  it('gives cursors an identity that changes with the subject, the teams and the admin scope', () => {
    const ids = [
      callerFromClaims({ sub: 'a', 'vigil:teams': 'payments' }),
      callerFromClaims({ sub: 'b', 'vigil:teams': 'payments' }),
      callerFromClaims({ sub: 'a', 'vigil:teams': 'payments data' }),
      callerFromClaims({ sub: 'a', scope: 'vigil/admin' }),
    ].map(cursorIdentity);
    expect(new Set(ids).size).toBe(4);
  });
});
