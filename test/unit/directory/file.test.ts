import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadDirectoryFile, loadVigilConfig } from '../../../functions/shared/adapters/config-file.js';
import type { Observation } from '../../../functions/shared/core/finding.js';
import { normalizeEvent } from '../../../functions/shared/core/normalizers/index.js';
import { ConfigError } from '../../../functions/shared/core/routing/config.js';
import { parseDirectoryFile } from '../../../functions/shared/core/routing/directory.js';
import { createRouter } from '../../../functions/shared/core/routing/resolve.js';
import { corpusEvents } from '../../support/events.js';

const FILE = 'org.yaml';
const yaml = (...lines: string[]) => `${lines.join('\n')}\n`;

function problemsOf(text: string, name = FILE): string {
  try {
    parseDirectoryFile(text, name);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

/** The accounts of the findings the corpus Config and GuardDuty events make: what routing looks up. */
function corpusAccounts(): Set<string> {
  const ids = new Set<string>();
  for (const { event } of [...corpusEvents('config'), ...corpusEvents('guardduty')]) {
    const result = normalizeEvent(event);
    if (result.kind === 'findings') for (const o of result.observations) ids.add(o.accountId);
  }
  return ids;
}

describe('directory file: config/demo-organization.yaml', () => {
  it('parses: a dozen accounts over the demo OUs, tagged and untagged', () => {
    // Act
    const accounts = parseDirectoryFile(readFileSync('config/demo-organization.yaml', 'utf8'), 'config/demo-organization.yaml');

    // Assess
    expect(accounts).toHaveLength(13);
    expect(new Set(accounts.map((a) => a.ouPath))).toEqual(
      new Set(['/Root', '/Root/Security', '/Root/Workloads', '/Root/Workloads/Payments', '/Root/Workloads/Data', '/Root/Platform', '/Root/Sandbox']),
    );
    expect(accounts.find((a) => a.id === '746869318262')).toEqual({
      id: '746869318262',
      name: 'payments-prod',
      email: 'aws+payments-prod@example.com',
      status: 'ACTIVE',
      ouPath: '/Root/Workloads/Payments',
      tags: { 'owner-team': 'payments', environment: 'production' },
    });
    expect(accounts.filter((a) => a.tags['owner-team'] === undefined).length).toBeGreaterThan(0);
  });

  it('holds the account ids of the corpus Config and GuardDuty events', () => {
    const ids = new Set(parseDirectoryFile(readFileSync('config/demo-organization.yaml', 'utf8'), 'x').map((a) => a.id));
    for (const id of ['746869318262', '119399605612', '775397712397', '123456789012', '111111111111', '883606788610']) {
      expect(corpusAccounts()).toContain(id);
      expect(ids).toContain(id);
    }
  });

  it('with config/vigil.yaml, routes the corpus accounts by every ownership step', async () => {
    // Prepare
    const config = await loadVigilConfig('config/vigil.yaml');
    const route = createRouter(config, await loadDirectoryFile('config/demo-organization.yaml'), () => new Date('2026-06-01T00:00:00Z'));
    const finding = (accountId: string, tags?: Record<string, string>): Observation => ({
      id: 'f',
      source: 'aws.config',
      ocsfClass: 'Compliance Finding',
      rule: 's3-bucket-logging-enabled',
      accountId,
      region: 'us-east-1',
      severity: 'MEDIUM',
      status: 'OPEN',
      title: 't',
      description: 'd',
      resource: { type: 'AWS::S3::Bucket', id: 'b', ...(tags ? { tags } : {}) },
      observedAt: '2026-05-31T00:00:00Z',
      sourceId: 's',
      consoleUrl: 'c',
      eventId: 'e',
    });

    // Act / Assess
    expect(await route(finding('746869318262', { 'owner-team': 'data' }))).toMatchObject({ team: 'data', routedBy: 'resource-tag:owner-team' });
    expect(await route(finding('746869318262'))).toMatchObject({ team: 'payments', routedBy: 'account-tag:owner-team' });
    expect(await route(finding('119399605612'))).toMatchObject({ team: 'payments', routedBy: 'ou:/Root/Workloads/Payments' });
    expect(await route(finding('775397712397'))).toMatchObject({ team: 'data', routedBy: 'ou:/Root/Workloads/Data' });
    expect(await route(finding('111111111111'))).toMatchObject({ team: 'payments', routedBy: 'account-map' });
    expect(await route(finding('883606788610'))).toMatchObject({ team: 'growth', routedBy: 'account-tag:owner-team', unconfigured: true });
    expect(await route(finding('123456789012'))).toMatchObject({ team: 'security', routedBy: 'account-tag:owner-team' });
    expect(await route(finding('999988887777'))).toMatchObject({ team: 'security', routedBy: 'default' });
    expect(await route(finding('111122223333'))).toMatchObject({ team: 'security', routedBy: 'default' });
  });
});

describe('directory file: parsing', () => {
  it('reads JSON as well as YAML, with defaults for status and tags', () => {
    const json = JSON.stringify({ accounts: [{ id: '012345678901', name: 'a', email: 'a@example.com', ouPath: '/Root/Sandbox' }] }, null, 2);
    expect(parseDirectoryFile(json, 'org.json')).toEqual([{ id: '012345678901', name: 'a', email: 'a@example.com', status: 'ACTIVE', ouPath: '/Root/Sandbox', tags: {} }]);
  });

  it('reports every problem with file, line and column', () => {
    const text = yaml(
      'accounts:',
      '  - id: 746869318262', //                  line 2: unquoted
      '    name: payments-prod',
      '    email: a@example.com',
      '    ouPath: Root/Workloads', //            line 5: not a path
      '    owner: payments', //                   line 6: unknown
      '  - id: "1234"', //                        line 7: not 12 digits
      '    name: x',
      '    email: x@example.com',
      '    status: GONE', //                      line 10
      '    ouPath: /Root',
      '    tags: { owner-team: 7 }', //           line 12
    );
    expect(problemsOf(text)).toBe(
      [
        'org.yaml:2:9: accounts[0].id: expected string, got the number 746869318262 (quote it: unquoted, YAML reads a number and drops leading zeros)',
        'org.yaml:5:13: accounts[0].ouPath: expected an OU path such as /Root/Workloads/Payments',
        'org.yaml:6:5: accounts[0].owner: unknown property "owner" (expected one of: id, name, email, status, ouPath, tags)',
        'org.yaml:7:9: accounts[1].id: expected a 12-digit account id, quoted',
        'org.yaml:10:13: accounts[1].status: Invalid option: expected one of "ACTIVE"|"SUSPENDED"|"PENDING_ACTIVATION"|"PENDING_CLOSURE"|"CLOSED"|"REMOVED"',
        'org.yaml:12:25: accounts[1].tags.owner-team: expected string, got the number 7 (quote it: unquoted, YAML reads a number and drops leading zeros)',
      ].join('\n'),
    );
  });

  it('a missing field, an account listed twice, a syntax error', () => {
    const account = (id: string) => [`  - id: '${id}'`, '    name: n', '    email: e@example.com', '    ouPath: /Root'];
    expect(problemsOf(yaml('accounts:', "  - id: '111111111111'", '    name: n', '    ouPath: /Root'))).toBe('org.yaml:2:5: accounts[0].email: missing "email"');
    expect(problemsOf(yaml('accounts:', ...account('111111111111'), ...account('111111111111')))).toBe(
      'org.yaml:6:9: accounts[1].id: account 111111111111 is listed twice (first as accounts[0])',
    );
    expect(problemsOf('accounts: [\n')).toMatch(/^org\.yaml:2:1: YAML syntax error: /);
  });
});
