import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadVigilConfig } from '../../../functions/shared/adapters/config-file.js';
import { VigilError } from '../../../functions/shared/core/errors.js';
import { ConfigError, expiryInstant, parseVigilConfig } from '../../../functions/shared/core/routing/config.js';

const FILE = 'config/vigil.yaml';

/** Lines joined, so that a test can say which line holds what. */
const yaml = (...lines: string[]) => `${lines.join('\n')}\n`;

/** The message of the ConfigError that parsing `text` throws. */
function problemsOf(text: string): string {
  try {
    parseVigilConfig(text, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

const TEAMS = [
  'teams:', //                                  line 2
  '  security: {}', //                          line 3
  '  payments:', //                             line 4
  "    slack: { channel: '#sec-payments' }", // line 5
  '  platform: {}', //                          line 6
  '  data: {}', //                              line 7
];

describe('config: the shipped sample', () => {
  it('config/vigil.yaml loads cleanly', async () => {
    // Act
    const config = await loadVigilConfig('config/vigil.yaml');

    // Assess
    expect(Object.keys(config.teams).sort()).toEqual(['data', 'payments', 'platform', 'security']);
    expect(config.defaultTeam).toBe('security');
    expect(config.ownership.resourceTagKey).toBe('owner-team');
    expect(config.ownership.accountTagKey).toBe('owner-team');
    expect(config.ownership.accounts).toEqual({ '111111111111': 'payments' });
    // Longest prefix first, whatever the file's order.
    expect(config.ownership.ouRules?.[0]?.prefix).toBe('/Root/Workloads/Payments');
    expect(config.rules.map((r) => r.name)).toContain('critical-to-security');
    expect(config.suppressions).toHaveLength(1);
    expect(config.suppressions[0]).toMatchObject({ expires: '2027-03-31', expiresAt: '2027-04-01T00:00:00.000Z' });
    expect(config.staging).toEqual(['console-login-failed']);
  });

  it('the sample is valid JSON Schema input too (the schema file parses and names the draft)', () => {
    const schema = JSON.parse(readFileSync('config/vigil.schema.json', 'utf8')) as { $schema: string };
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
  });
});

describe('config: ownership steps', () => {
  it('omitted steps and steps switched off under enabled are absent; lists are lists', () => {
    // Prepare
    const text = yaml(
      'defaultTeam: security',
      ...TEAMS,
      'ownership:',
      '  accountTagKey: owner-team',
      '  accounts: { "111111111111": payments }',
      '  enabled: { accounts: false }',
      'rules:',
      '  - name: gd',
      '    match: { source: aws.guardduty, severity: HIGH, rule: "Recon:*" }',
      '    routeTo: platform',
    );

    // Act
    const config = parseVigilConfig(text, FILE);

    // Assess
    expect(config.ownership).toEqual({ accountTagKey: 'owner-team' });
    expect(config.rules).toEqual([{ name: 'gd', match: { source: ['aws.guardduty'], severity: ['HIGH'], rule: ['Recon:*'] }, routeTo: 'platform', alsoNotify: [] }]);
    expect(config.suppressions).toEqual([]);
    expect(config.staging).toEqual([]);
  });
});

describe('config: errors name the file, line, column and path', () => {
  it('an unknown team in alsoNotify', () => {
    const text = yaml(
      'defaultTeam: security',
      ...TEAMS,
      'rules:', //                                       line 8
      '  - name: critical-to-security', //                line 9
      '    match: { minSeverity: CRITICAL }', //          line 10
      '    alsoNotify: [security]', //                    line 11
      '  - name: payments-gd', //                         line 12
      '    match: { source: aws.guardduty }', //          line 13
      '    alsoNotify:', //                               line 14
      '      - secruity', //                              line 15
    );
    expect(problemsOf(text)).toBe('config/vigil.yaml:15:9: rules[1].alsoNotify[0]: unknown team "secruity" (teams: data, payments, platform, security)');
  });

  it('unknown teams everywhere the configuration names one, one line each, in file order', () => {
    const text = yaml(
      'defaultTeam: secops', //                                      line 1
      ...TEAMS,
      'ownership:', //                                               line 8
      '  ouRules:', //                                               line 9
      '    - { prefix: /Root/Workloads/Payments, team: payment }', // line 10
      '  accounts:', //                                              line 11
      "    '111111111111': finance", //                              line 12
      'rules:', //                                                   line 13
      '  - name: gd', //                                             line 14
      '    match: { source: aws.guardduty }', //                     line 15
      '    routeTo: platfrom', //                                    line 16
    );
    expect(problemsOf(text)).toBe(
      [
        'config/vigil.yaml:1:14: defaultTeam: unknown team "secops" (teams: data, payments, platform, security)',
        'config/vigil.yaml:10:49: ownership.ouRules[0].team: unknown team "payment" (teams: data, payments, platform, security)',
        'config/vigil.yaml:12:21: ownership.accounts["111111111111"]: unknown team "finance" (teams: data, payments, platform, security)',
        'config/vigil.yaml:16:14: rules[0].routeTo: unknown team "platfrom" (teams: data, payments, platform, security)',
      ].join('\n'),
    );
  });

  it('bad YAML: the syntax error with its line', () => {
    const text = yaml(
      'defaultTeam: security',
      'teams:',
      '  security: {}',
      'rules:',
      '  - name: a',
      '    match: { minSeverity: CRITICAL', // line 6: the mapping is never closed
      '    alsoNotify: [security]',
    );
    expect(problemsOf(text)).toBe(
      [
        'config/vigil.yaml:7:5: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }',
      ].join('\n'),
    );
  });

  it('bad YAML: a tab for indentation', () => {
    expect(problemsOf('defaultTeam: security\nteams:\n\tsecurity: {}\n')).toMatch(/^config\/vigil\.yaml:3:1: YAML syntax error: /);
  });

  it('a team defined twice', () => {
    const text = yaml(
      'defaultTeam: security',
      ...TEAMS,
      '  payments:', // line 8
      '    minSeverity: HIGH',
    );
    expect(problemsOf(text)).toBe('config/vigil.yaml:8:3: teams.payments: team "payments" is defined twice (first at line 4); YAML would silently keep only the last');
  });

  it('any other duplicate key', () => {
    const text = yaml('defaultTeam: security', ...TEAMS, 'ownership:', '  accountTagKey: owner-team', '  accountTagKey: team');
    expect(problemsOf(text)).toBe('config/vigil.yaml:10:3: ownership.accountTagKey: key "accountTagKey" is defined twice (first at line 9); YAML would silently keep only the last');
  });

  it('an unknown severity, in a team and in a rule', () => {
    const text = yaml(
      'defaultTeam: security',
      'teams:',
      '  security:',
      '    minSeverity: HIHG', //                                  line 4
      'rules:',
      '  - name: a',
      '    match: { severity: [HIGH, SEVERE], minSeverity: low }', // line 7
      '    alsoNotify: [security]',
    );
    expect(problemsOf(text)).toBe(
      [
        'config/vigil.yaml:4:18: teams.security.minSeverity: unknown severity "HIHG" (severities: INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL)',
        'config/vigil.yaml:7:31: rules[0].match.severity[1]: unknown severity "SEVERE" (severities: INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL)',
        'config/vigil.yaml:7:53: rules[0].match.minSeverity: unknown severity "low" (severities: INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL)',
      ].join('\n'),
    );
  });

  it('schema violations: unknown property, missing property, wrong type, bad pattern, empty match', () => {
    const text = yaml(
      'defaultTeam: security',
      'teams:',
      '  security:',
      '    slack: { chanel: "#sec" }', //        line 4
      'rules:',
      '  - name: Critical To Security', //       line 6
      '    match: {}', //                        line 7
      '    alsoNotfy: [security]', //            line 8
      'suppressions:',
      '  - id: old-sandbox',
      '    owner: platform', //                  line 11 (no reason)
      '    expires: 2027-03-31',
      '    match: { accounts: [746869318262] }', // line 13
    );
    expect(problemsOf(text)).toBe(
      [
        'config/vigil.yaml:4:5: teams.security.slack: missing "channel"',
        'config/vigil.yaml:4:14: teams.security.slack.chanel: unknown property "chanel" (expected one of: channel, webhookSecretName)',
        'config/vigil.yaml:6:11: rules[0].name: expected a name in kebab-case (a-z, 0-9, \'-\'), got "Critical To Security"',
        'config/vigil.yaml:7:5: rules[0].match: must not be empty: name at least one condition',
        'config/vigil.yaml:8:5: rules[0].alsoNotfy: unknown property "alsoNotfy" (expected one of: name, description, match, routeTo, alsoNotify)',
        'config/vigil.yaml:10:5: suppressions[0]: missing "reason"',
        'config/vigil.yaml:13:25: suppressions[0].match.accounts[0]: expected a 12-digit account id, got the number 746869318262 (quote account ids: unquoted, YAML reads a number and drops leading zeros)',
      ].join('\n'),
    );
  });

  it('a missing top-level property points at the start of the file', () => {
    expect(problemsOf('teams:\n  security: {}\n')).toBe('config/vigil.yaml:1:1: missing "defaultTeam"');
  });

  it('bad dates', () => {
    const suppression = (id: string, expires: string) => [`  - id: ${id}`, '    reason: r', '    owner: o', `    expires: ${expires}`, "    match: { accounts: ['111111111111'] }"];
    const text = yaml(
      'defaultTeam: security',
      'teams: { security: {} }',
      'suppressions:', // line 3
      ...suppression('a', '2027-02-30'), // expires on line 7
      ...suppression('b', 'next year'), // line 12
      ...suppression('c', '2027-03-31T18:00:00'), // line 17: no offset
      ...suppression('d', '2027-03-31T18:00:00+02:00'), // fine
    );
    const hint = '(expected a date such as 2027-03-31 or a date-time such as 2027-03-31T18:00:00Z)';
    expect(problemsOf(text)).toBe(
      [
        `config/vigil.yaml:7:14: suppressions[0].expires: invalid date "2027-02-30" ${hint}`,
        `config/vigil.yaml:12:14: suppressions[1].expires: invalid date "next year" ${hint}`,
        `config/vigil.yaml:17:14: suppressions[2].expires: invalid date "2027-03-31T18:00:00" ${hint}`,
      ].join('\n'),
    );
  });

  it('names, prefixes and ids used twice; a rule that routes nowhere; a step enabled but not set; an unknown source and time zone', () => {
    const text = yaml(
      'defaultTeam: security',
      'teams:',
      '  security:',
      '    quiet: { hours: { from: "22:00", to: "07:00", timezone: Mars/Olympus } }', // line 4
      'ownership:',
      '  ouRules:',
      '    - { prefix: /Root/A, team: security }',
      '    - { prefix: /Root/A, team: security }', // line 8
      '  enabled: { resourceTag: true }', //          line 9
      'rules:',
      '  - name: a',
      '    match: { source: aws.guarduty }', //       line 12
      '  - name: a', //                               line 13
      '    match: { minSeverity: LOW }',
      '    alsoNotify: [security]',
    );
    expect(problemsOf(text)).toBe(
      [
        'config/vigil.yaml:4:61: teams.security.quiet.hours.timezone: unknown time zone "Mars/Olympus"',
        'config/vigil.yaml:8:17: ownership.ouRules[1].prefix: prefix "/Root/A" is already given to ouRules[0]',
        'config/vigil.yaml:9:27: ownership.enabled.resourceTag: step is enabled but ownership.resourceTagKey is not set',
        'config/vigil.yaml:11:5: rules[0]: a rule must say routeTo or alsoNotify (or both)',
        'config/vigil.yaml:12:22: rules[0].match.source: unknown source "aws.guarduty" (sources: aws.config, aws.guardduty, aws.cloudtrail, aws.securityhub)',
        'config/vigil.yaml:13:11: rules[1].name: rule name "a" is already used by rules[0]',
      ].join('\n'),
    );
  });

  it('is a VigilError with the problems as data', () => {
    try {
      parseVigilConfig('defaultTeam: nobody\nteams: { security: {} }\n', 'x.yaml');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(VigilError);
      expect((error as ConfigError).name).toBe('ConfigError');
      expect((error as ConfigError).problems).toEqual([{ file: 'x.yaml', line: 1, col: 14, path: 'defaultTeam', message: 'unknown team "nobody" (teams: security)' }]);
    }
  });
});

describe('config: expiry', () => {
  it('a date is valid through that day, UTC; a date-time needs an offset', () => {
    expect(expiryInstant('2027-03-31')?.toISOString()).toBe('2027-04-01T00:00:00.000Z');
    expect(expiryInstant('2027-03-31T18:00:00+02:00')?.toISOString()).toBe('2027-03-31T16:00:00.000Z');
    expect(expiryInstant('2028-02-29')?.toISOString()).toBe('2028-03-01T00:00:00.000Z');
    expect(expiryInstant('2027-02-29')).toBeUndefined();
    expect(expiryInstant('2027-03-31T18:00')).toBeUndefined();
  });
});
