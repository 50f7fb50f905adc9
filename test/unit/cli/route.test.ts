import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { routeCommand, suppressionsCommand } from '../../../cli/commands/route.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-route-'));
const GD = 'events/corpus/guardduty/eventbridge-derived';

function run(command: typeof routeCommand, args: string[]) {
  const lines: string[] = [];
  return command(args, (l) => lines.push(l)).then((status) => ({ status, lines: lines.map((l) => JSON.parse(l) as Record<string, unknown>) }));
}

describe('vigil route and vigil suppressions --dry-run', () => {
  it('prints each finding with its team and how it was routed, and refuses accounts outside the organization', async () => {
    // Prepare: three GuardDuty findings in the demo organization, one from an account outside it
    const events = [
      `${GD}/sekoia-intake-formats__event_instance_portprobe__Recon_EC2_PortProbeUnprotectedPort.json`,
      'events/corpus/guardduty/eventbridge/cloud-custodian__ec2-duty-event.json',
      `${GD}/panther-analysis__High_Sev_Finding__PrivilegeEscalation_IAMUser_AdministrativePermissions.json`,
    ].map((f) => readFileSync(f, 'utf8').trim());
    const outsider = JSON.parse(events[0]!) as { detail: { accountId: string } };
    outsider.detail.accountId = '999999999999';
    const file = join(dir, 'events.jsonl');
    writeFileSync(file, [...events.map((e) => JSON.stringify(JSON.parse(e))), JSON.stringify(outsider)].join('\n'));
    // Act
    const { status, lines } = await run(routeCommand, [file, '--org', 'config/demo-organization.yaml']);
    // Assess
    expect(status).toBe(1);
    expect(lines.map((l) => [l.accountId, l.team ?? l.reason, l.routedBy ?? null])).toEqual([
      ['111111111111', 'payments', 'account-map'],
      ['883606788610', expect.any(String), expect.stringMatching(/^(account-tag|ou|account-map|default|rule)/)],
      ['123456789012', expect.any(String), expect.any(String)],
      ['999999999999', 'account-not-in-organization', null],
    ]);
  });

  it('shows which findings a suppression rule would hide, and that an expired rule hides nothing', async () => {
    // Prepare: the shipped configuration plus two suppressions for the payments account's GuardDuty findings
    const config = readFileSync('config/vigil.yaml', 'utf8').replace(
      /^suppressions:\n/m,
      `suppressions:
  - id: payments-portprobe-accepted
    reason: The payments bastion is probed all day; accepted in RISK-7.
    owner: payments
    expires: 2099-01-01
    match: { accounts: ['111111111111'], source: aws.guardduty, rule: ['Recon:EC2/*'] }
  - id: old-exception
    reason: Expired exception.
    owner: security
    expires: 2020-01-01
    match: { accounts: ['111111111111'] }
`,
    );
    const configFile = join(dir, 'vigil.yaml');
    writeFileSync(configFile, config);
    // Act
    const { lines } = await run(suppressionsCommand, ['--dry-run', `${GD}/sekoia-intake-formats__event_instance_portprobe__Recon_EC2_PortProbeUnprotectedPort.json`, '--org', 'config/demo-organization.yaml', '--config', configFile]);
    // Assess
    expect(lines[0]).toMatchObject({ id: '2d12b308f7d6b73bb74d4dbdbd312709', rule: 'Recon:EC2/PortProbeUnprotectedPort', suppressedBy: { id: 'payments-portprobe-accepted', owner: 'payments' } });
    const summary = lines.at(-1)!;
    expect(summary).toMatchObject({ findings: 1, hidden: 1 });
    expect(summary.rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'payments-portprobe-accepted', active: true, wouldHide: 1 }),
        expect.objectContaining({ id: 'old-exception', active: false, wouldHide: 0 }),
      ]),
    );
  });

  it('refuses to do anything but preview', async () => {
    await expect(run(suppressionsCommand, ['events.json'])).rejects.toThrow(/--dry-run/);
  });
});
