import { describe, expect, it } from 'vitest';
import type { Observation } from '../../../functions/shared/core/finding.js';
import type { OwnershipSteps, VigilConfig } from '../../../functions/shared/core/routing/config.js';
import type { DirectoryAccount } from '../../../functions/shared/core/routing/directory.js';
import { staticDirectory } from '../../../functions/shared/core/routing/directory.js';
import { createRouter, glob, resolveOwnership, underOu } from '../../../functions/shared/core/routing/resolve.js';

const NOW = new Date('2026-06-01T12:00:00Z');

function observation(overrides: Partial<Observation> = {}): Observation {
  return {
    id: 'f1',
    source: 'aws.guardduty',
    ocsfClass: 'Detection Finding',
    rule: 'Recon:EC2/PortProbeUnprotectedPort',
    accountId: '746869318262',
    region: 'eu-west-1',
    severity: 'MEDIUM',
    status: 'OPEN',
    title: 'Unprotected port probed',
    description: 'probe',
    resource: { type: 'Instance', id: 'i-0abc', tags: { 'owner-team': 'data' } },
    observedAt: '2026-06-01T11:00:00.000Z',
    sourceId: 'gd-1',
    consoleUrl: 'https://console',
    eventId: 'e1',
    ...overrides,
  };
}

function account(overrides: Partial<DirectoryAccount> = {}): DirectoryAccount {
  return {
    id: '746869318262',
    name: 'payments-prod',
    email: 'aws+payments-prod@example.com',
    status: 'ACTIVE',
    ouPath: '/Root/Workloads/Payments/Prod',
    tags: { 'owner-team': 'platform' },
    ...overrides,
  };
}

/** Every step configured, each naming a different team, so the winner is visible. */
const ALL_STEPS: OwnershipSteps = {
  resourceTagKey: 'owner-team',
  accountTagKey: 'owner-team',
  ouRules: [
    { prefix: '/Root/Workloads', team: 'security' },
    { prefix: '/Root/Workloads/Payments', team: 'payments' },
  ],
  accounts: { '746869318262': 'finance' },
};

function config(overrides: Partial<VigilConfig> = {}): VigilConfig {
  return {
    defaultTeam: 'security',
    ownership: ALL_STEPS,
    teams: { security: {}, payments: {}, platform: {}, data: {}, finance: {} },
    rules: [],
    suppressions: [],
    staging: [],
    ...overrides,
  };
}

function without(...steps: Array<keyof OwnershipSteps>): OwnershipSteps {
  const copy: OwnershipSteps = { ...ALL_STEPS };
  for (const step of steps) delete copy[step];
  return copy;
}

describe('routing: ownership steps', () => {
  it('resolves by the resource tag first when all five steps could answer', () => {
    // Act
    const decision = resolveOwnership(observation(), account(), config(), NOW);

    // Assess
    expect(decision).toEqual({ team: 'data', routedBy: 'resource-tag:owner-team', alsoNotify: [], unconfigured: false, staged: false });
  });

  it.each([
    { disabled: ['resourceTagKey'], team: 'platform', routedBy: 'account-tag:owner-team' },
    { disabled: ['resourceTagKey', 'accountTagKey'], team: 'payments', routedBy: 'ou:/Root/Workloads/Payments' },
    { disabled: ['resourceTagKey', 'accountTagKey', 'ouRules'], team: 'finance', routedBy: 'account-map' },
    { disabled: ['resourceTagKey', 'accountTagKey', 'ouRules', 'accounts'], team: 'security', routedBy: 'default' },
  ] as const)('without $disabled falls to $routedBy', ({ disabled, team, routedBy }) => {
    const decision = resolveOwnership(observation(), account(), config({ ownership: without(...disabled) }), NOW);
    expect(decision).toMatchObject({ team, routedBy });
  });

  it('falls through a step that has nothing to say: no tag, empty tag, unknown account', () => {
    // Prepare
    const untagged = observation({ resource: { type: 'Instance', id: 'i-1' } });
    const blankTag = observation({ resource: { type: 'Instance', id: 'i-1', tags: { 'owner-team': '  ' } } });

    // Act / Assess
    expect(resolveOwnership(untagged, account(), config(), NOW)).toMatchObject({ team: 'platform', routedBy: 'account-tag:owner-team' });
    expect(resolveOwnership(blankTag, account({ tags: {} }), config(), NOW)).toMatchObject({ team: 'payments', routedBy: 'ou:/Root/Workloads/Payments' });
    // An account the directory does not know skips the account tag and OU steps.
    expect(resolveOwnership(untagged, undefined, config(), NOW)).toMatchObject({ team: 'finance', routedBy: 'account-map' });
    expect(resolveOwnership(untagged, undefined, config(), NOW).unconfigured).toBe(false);
    expect(resolveOwnership(observation({ accountId: '999999999999', resource: { type: 'Instance', id: 'i-1' } }), undefined, config(), NOW)).toMatchObject({
      team: 'security',
      routedBy: 'default',
    });
  });

  it('takes the longest OU prefix, whatever the order of the rules', () => {
    const reversed = config({ ownership: { ouRules: [...(ALL_STEPS.ouRules ?? [])].reverse() } });
    const decision = resolveOwnership(observation({ resource: { type: 'Instance', id: 'i-1' } }), account({ tags: {} }), reversed, NOW);
    expect(decision).toMatchObject({ team: 'payments', routedBy: 'ou:/Root/Workloads/Payments' });
  });

  it('matches OU prefixes on whole path segments', () => {
    expect(underOu('/Root/Workloads/Payments', '/Root/Workloads/Payments')).toBe(true);
    expect(underOu('/Root/Workloads/Payments/Prod', '/Root/Workloads/Payments')).toBe(true);
    expect(underOu('/Root/Workloads/PaymentsLegacy', '/Root/Workloads/Payments')).toBe(false);
    const decision = resolveOwnership(observation({ resource: { type: 'Instance', id: 'i-1' } }), account({ tags: {}, ouPath: '/Root/Workloads/PaymentsLegacy' }), config(), NOW);
    expect(decision).toMatchObject({ team: 'security', routedBy: 'ou:/Root/Workloads' });
  });

  it('keeps a team named by a tag but absent from the configuration as owner, flagged unconfigured', () => {
    const decision = resolveOwnership(observation({ resource: { type: 'Instance', id: 'i-1', tags: { 'owner-team': 'growth' } } }), account(), config(), NOW);
    expect(decision).toEqual({ team: 'growth', routedBy: 'resource-tag:owner-team', alsoNotify: [], unconfigured: true, staged: false });
  });

  it('spells a tag value as the configuration does when only the case differs', () => {
    const decision = resolveOwnership(observation(), account({ tags: { 'owner-team': ' Payments ' } }), config({ ownership: without('resourceTagKey') }), NOW);
    expect(decision).toMatchObject({ team: 'payments', routedBy: 'account-tag:owner-team', unconfigured: false });
  });
});

describe('routing: global rules', () => {
  it('routeTo overrides every ownership step; the first matching routeTo wins', () => {
    // Prepare
    const rules: VigilConfig['rules'] = [
      { name: 'not-this-source', match: { source: ['aws.config'] }, routeTo: 'finance', alsoNotify: [] },
      { name: 'guardduty-in-payments', match: { source: ['aws.guardduty'], accounts: ['746869318262'] }, routeTo: 'platform', alsoNotify: [] },
      { name: 'later', match: { minSeverity: 'LOW' }, routeTo: 'finance', alsoNotify: [] },
    ];

    // Act
    const decision = resolveOwnership(observation(), account(), config({ rules }), NOW);

    // Assess
    expect(decision).toMatchObject({ team: 'platform', routedBy: 'rule:guardduty-in-payments' });
  });

  it('alsoNotify accumulates over matching rules, without duplicates or the owner', () => {
    const rules: VigilConfig['rules'] = [
      { name: 'critical-to-security', match: { minSeverity: 'CRITICAL' }, alsoNotify: ['security'] },
      { name: 'high-to-platform', match: { minSeverity: 'HIGH' }, alsoNotify: ['platform', 'data', 'security'] },
      { name: 'only-low', match: { severity: ['LOW'] }, alsoNotify: ['finance'] },
    ];
    expect(resolveOwnership(observation({ severity: 'CRITICAL' }), account(), config({ rules }), NOW).alsoNotify).toEqual(['security', 'platform']);
    expect(resolveOwnership(observation({ severity: 'HIGH' }), account(), config({ rules }), NOW).alsoNotify).toEqual(['platform', 'security']);
    expect(resolveOwnership(observation({ severity: 'MEDIUM' }), account(), config({ rules }), NOW).alsoNotify).toEqual([]);
    expect(resolveOwnership(observation({ severity: 'LOW' }), account(), config({ rules }), NOW).alsoNotify).toEqual(['finance']);
  });

  it('matches by rule with wildcards and by OU prefix', () => {
    const rules: VigilConfig['rules'] = [
      { name: 'recon', match: { rule: ['Recon:EC2/*'], ouPrefix: '/Root/Workloads' }, routeTo: 'finance', alsoNotify: [] },
    ];
    expect(resolveOwnership(observation(), account(), config({ rules }), NOW)).toMatchObject({ team: 'finance', routedBy: 'rule:recon' });
    expect(resolveOwnership(observation(), account({ ouPath: '/Root/Sandbox' }), config({ rules }), NOW).routedBy).toBe('resource-tag:owner-team');
    expect(resolveOwnership(observation(), undefined, config({ rules }), NOW).routedBy).toBe('resource-tag:owner-team');
    expect(resolveOwnership(observation({ rule: 'UnauthorizedAccess:EC2/SSHBruteForce' }), account(), config({ rules }), NOW).routedBy).toBe('resource-tag:owner-team');
  });

  it('globs: * spans any characters, ? one, the rest is literal', () => {
    expect(glob('arn:aws:s3:::sandbox-*').test('arn:aws:s3:::sandbox-site/a/b')).toBe(true);
    expect(glob('i-????').test('i-0abc')).toBe(true);
    expect(glob('i-????').test('i-0abcd')).toBe(false);
    expect(glob('a.b').test('axb')).toBe(false);
  });
});

describe('routing: suppressions', () => {
  const suppression = {
    id: 'sandbox-static-sites',
    reason: 'public on purpose',
    owner: 'platform',
    expires: '2027-03-31',
    expiresAt: '2027-04-01T00:00:00.000Z',
    match: { ouPrefix: '/Root/Sandbox', rule: ['s3-bucket-policy-public'], resourcePattern: 'sandbox-site-*' },
  };
  const s3 = observation({ source: 'aws.cloudtrail', rule: 's3-bucket-policy-public', resource: { type: 'AWS::S3::Bucket', id: 'sandbox-site-demo' } });
  const sandbox = account({ ouPath: '/Root/Sandbox', tags: {} });

  it('suppresses a matching finding until it expires, then stops by itself', () => {
    // Prepare
    const c = config({ suppressions: [suppression] });

    // Act / Assess
    expect(resolveOwnership(s3, sandbox, c, NOW).suppressedBy).toEqual({ id: 'sandbox-static-sites', reason: 'public on purpose', owner: 'platform', expires: '2027-03-31' });
    expect(resolveOwnership(s3, sandbox, c, new Date('2027-03-31T23:59:59.999Z')).suppressedBy?.id).toBe('sandbox-static-sites');
    expect(resolveOwnership(s3, sandbox, c, new Date('2027-04-01T00:00:00.000Z')).suppressedBy).toBeUndefined();
  });

  it('needs every condition: OU, rule, resource pattern', () => {
    const c = config({ suppressions: [suppression] });
    expect(resolveOwnership(s3, account({ tags: {} }), c, NOW).suppressedBy).toBeUndefined();
    expect(resolveOwnership({ ...s3, rule: 's3-bucket-acl-public' }, sandbox, c, NOW).suppressedBy).toBeUndefined();
    expect(resolveOwnership({ ...s3, resource: { type: 'AWS::S3::Bucket', id: 'payroll' } }, sandbox, c, NOW).suppressedBy).toBeUndefined();
  });

  it('matches a tag on the resource or, failing that, on the account; and accounts and source', () => {
    const byTag = { ...suppression, match: { tag: { key: 'environment', value: 'sandbox' }, accounts: ['746869318262'], source: ['aws.guardduty' as const] } };
    const c = config({ suppressions: [byTag] });
    const tagged = observation({ resource: { type: 'Instance', id: 'i-1', tags: { environment: 'sandbox' } } });
    expect(resolveOwnership(tagged, account(), c, NOW).suppressedBy?.id).toBe('sandbox-static-sites');
    expect(resolveOwnership(observation(), account({ tags: { environment: 'sandbox' } }), c, NOW).suppressedBy?.id).toBe('sandbox-static-sites');
    // The resource's own tag decides when it has the key.
    const production = observation({ resource: { type: 'Instance', id: 'i-1', tags: { environment: 'production' } } });
    expect(resolveOwnership(production, account({ tags: { environment: 'sandbox' } }), c, NOW).suppressedBy).toBeUndefined();
    expect(resolveOwnership({ ...tagged, accountId: '111111111111' }, account(), c, NOW).suppressedBy).toBeUndefined();
    expect(resolveOwnership({ ...tagged, source: 'aws.config' }, account(), c, NOW).suppressedBy).toBeUndefined();
  });

  it('keeps the owner: a suppressed finding is still somebody\'s', () => {
    const decision = resolveOwnership(s3, sandbox, config({ suppressions: [suppression] }), NOW);
    expect(decision).toMatchObject({ team: 'finance', routedBy: 'account-map', suppressedBy: { id: 'sandbox-static-sites' } });
  });
});

describe('routing: staging', () => {
  it('stages findings of a listed rule, and only those', () => {
    const c = config({ staging: ['console-login-failed'] });
    expect(resolveOwnership(observation({ source: 'aws.cloudtrail', rule: 'console-login-failed' }), account(), c, NOW).staged).toBe(true);
    expect(resolveOwnership(observation(), account(), c, NOW).staged).toBe(false);
  });
});

describe('routing: router', () => {
  it('looks the account up in the directory and resolves', async () => {
    // Prepare
    const route = createRouter(config({ ownership: without('resourceTagKey') }), staticDirectory([account()]), () => NOW);

    // Act
    const decision = await route(observation());

    // Assess
    expect(decision).toMatchObject({ team: 'platform', routedBy: 'account-tag:owner-team' });
  });
});
