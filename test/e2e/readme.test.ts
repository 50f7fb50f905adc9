import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lastJsonLine, VIGIL_LOCAL } from '../support/vigil-local-process.js';

/** The README's run on the corpus: the command it shows and the summary it says that command prints. */
function readmeRun(): { args: string[]; summary: Record<string, unknown> } {
  const readme = readFileSync('README.md', 'utf8');
  const shown = /<!-- checked by test\/e2e\/readme\.test\.ts -->\n```sh\nnpm start -- (.+)\n```\n\n```json\n([\s\S]+?)\n```/.exec(readme);
  if (!shown) throw new Error('README.md: the marked `npm start -- --once ...` block and its JSON summary are missing');
  return { args: shown[1]!.trim().split(/\s+/), summary: JSON.parse(shown[2]!) as Record<string, unknown> };
}

describe('README', () => {
  it('the corpus run it shows prints the counts it shows, with nothing lost', () => {
    // Prepare
    const { args, summary } = readmeRun();
    expect(args).toContain('--once');
    // Act
    const run = spawnSync(process.execPath, [...VIGIL_LOCAL, ...args], { encoding: 'utf8', timeout: 170_000 });
    // Assess: every count that does not depend on timing. The burst limit counts a team's
    // messages in fixed five-minute windows of the clock, so how many findings get a message
    // of their own (NOTIFIED rather than OPEN) depends on timing: byStatus and the
    // notification counts can differ a little from the README's, as it says.
    expect(run.status, run.stderr).toBe(0);
    const actual = lastJsonLine(run.stdout);
    const stable = (s: Record<string, unknown>) => {
      const { total, byTeam } = s.findings as { total: number; byTeam: Record<string, number> };
      return {
        events: s.events,
        findings: { total, byTeam },
        ignored: s.ignored,
        ignoredReasons: s.ignoredReasons,
        heartbeats: s.heartbeats,
        unmatched: s.unmatched,
        rejected: s.rejected,
        quarantined: s.quarantined,
        quarantineReasons: s.quarantineReasons,
        dlq: s.dlq,
        lost: s.lost,
      };
    };
    expect(stable(actual)).toEqual(stable(summary));
    expect(actual.lost).toBe(0);
  });
});
