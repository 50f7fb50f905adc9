import type { Observation } from '../finding.js';
import type { TeamConfig, VigilConfig } from '../routing/config.js';
import type { Directory } from '../routing/directory.js';
import { resolveOwnership } from '../routing/resolve.js';
import type { NotifiableFinding, RoutingExtras, TeamSettings, TeamSettingsLookup } from './types.js';

export interface RoutingPortOptions {
  /** The organization directory (account OU and tags, for rules with ouPrefix or tags). */
  directory?: Directory;
  /** The resource's tags, kept in the finding's detail item (suppressions may match on them). */
  resourceTags?: (findingId: string) => Promise<Record<string, string> | undefined>;
}

/** A team of config/vigil.yaml as the notifier sees it. */
export function teamSettings(name: string, team: TeamConfig): TeamSettings {
  return {
    name,
    ...(team.slack ? { slack: { channel: team.slack.channel, ...(team.slack.webhookSecretName ? { webhookSecretName: team.slack.webhookSecretName } : {}) } } : {}),
    minSeverity: team.minSeverity ?? 'INFORMATIONAL',
    ...(team.quiet ? { quiet: team.quiet } : {}),
    ...(team.digest ? { digest: team.digest } : {}),
  };
}

/**
 * The notifier's port over Vigil's configuration. The extras are decided at send time by
 * routing's own `resolveOwnership` over what the finding says, so the notifier and ingest
 * can never disagree about what a global rule, staging or a suppression means; the owner
 * stays the one ingest stored on the finding.
 */
export function configRouting(config: VigilConfig, options: RoutingPortOptions = {}): TeamSettingsLookup {
  const teams = new Map(Object.entries(config.teams).map(([name, team]) => [name, teamSettings(name, team)]));
  return {
    team: (name) => teams.get(name),
    teams: () => [...teams.values()],
    defaultTeam: () => config.defaultTeam,
    extras: async (finding: NotifiableFinding, now: Date): Promise<RoutingExtras> => {
      const account = options.directory ? await options.directory.getAccount(finding.accountId) : undefined;
      const tags = options.resourceTags ? await options.resourceTags(finding.id) : undefined;
      const decision = resolveOwnership(asObservation(finding, tags), account, config, now);
      return {
        alsoNotify: decision.alsoNotify.filter((t) => t !== finding.team),
        staged: decision.staged,
        ...(decision.suppressedBy ? { suppressedBy: { id: decision.suppressedBy.id, reason: decision.suppressedBy.reason } } : {}),
      };
    },
  };
}

/** What routing reads of an observation, rebuilt from the stored finding. */
function asObservation(f: NotifiableFinding, tags: Record<string, string> | undefined): Observation {
  return {
    id: f.id,
    source: f.source,
    ocsfClass: f.source === 'aws.config' ? 'Compliance Finding' : 'Detection Finding',
    rule: f.rule,
    accountId: f.accountId,
    region: f.region,
    severity: f.severity,
    status: f.status === 'RESOLVED' ? 'RESOLVED' : 'OPEN',
    title: f.title,
    description: '',
    resource: { type: f.resourceType, id: f.resourceId, ...(tags ? { tags } : {}) },
    observedAt: f.transitionAt,
    sourceId: '',
    consoleUrl: '',
    eventId: '',
  };
}

/** A lookup over plain settings (tests, local tools): no global rules, nothing staged. */
export function staticRouting(settings: TeamSettings[], extras: (finding: NotifiableFinding) => Partial<RoutingExtras> = () => ({})): TeamSettingsLookup {
  const byName = new Map(settings.map((s) => [s.name, s]));
  return {
    team: (name) => byName.get(name),
    teams: () => [...byName.values()],
    extras: (finding) => ({ alsoNotify: [], staged: false, ...extras(finding) }),
  };
}
