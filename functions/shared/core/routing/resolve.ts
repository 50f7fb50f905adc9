import { InvalidEventError } from '../errors.js';
import { severityRank, type Observation } from '../finding.js';
import type { Ownership } from '../lifecycle.js';
import type { RuleMatch, Suppression, SuppressionMatch, VigilConfig } from './config.js';
import { expiryInstant } from './expiry.js';
import type { Directory, DirectoryAccount } from './directory.js';

/**
 * Where a finding goes. `team` owns it; `routedBy` says which step decided, as
 * `resource-tag:<key>`, `account-tag:<key>`, `ou:<prefix>`, `account-map`, `default` or
 * `rule:<name>`. It is an {@link Ownership}, so ingest can store it as is.
 */
export interface RoutingDecision extends Ownership {
  /** Teams told as well as the owner (global rules), without the owner itself. */
  alsoNotify: string[];
  /** The owner was named by a tag but has no entry under `teams`: it owns the finding; its notifications go to the default team's destination, marked unconfigured. */
  unconfigured: boolean;
  /** The finding's rule is on trial (`staging`): recorded, notified to nobody. */
  staged: boolean;
  /** The suppression in force for the finding, if any: recorded, notified to nobody. */
  suppressedBy?: Pick<Suppression, 'id' | 'reason' | 'owner' | 'expires'>;
}

/**
 * Decides who owns a finding. Ownership steps in order, the first that names a team wins:
 *
 * 1. the resource's tag `ownership.resourceTagKey` → `resource-tag:<key>`
 * 2. the account's tag `ownership.accountTagKey` in the directory → `account-tag:<key>`
 * 3. the OU rule with the longest prefix containing the account's OU → `ou:<prefix>`
 * 4. the static account map → `account-map`
 * 5. `defaultTeam` → `default`
 *
 * Then the global rules: the first matching rule with `routeTo` takes the finding
 * (`rule:<name>`), and `alsoNotify` of every matching rule accumulates. Then suppressions
 * (the first one that matches and has not expired at `now`) and staging.
 *
 * A tag value naming a configured team in another case (`Payments`) is that team; a tag
 * naming a team the configuration does not know still owns the finding, marked
 * `unconfigured` (the configuration cannot name unknown teams: parseVigilConfig rejects them).
 *
 * Pure: `account` is undefined when the directory does not know the account (steps 2 and 3
 * are then skipped), and `now` decides which suppressions have expired.
 */
export function resolveOwnership(observation: Observation, account: DirectoryAccount | undefined, config: VigilConfig, now: Date): RoutingDecision {
  const owner = ownerOf(observation, account, config);
  let { team, routedBy } = owner;
  let routedByRule = false;
  const alsoNotify: string[] = [];
  for (const rule of config.rules) {
    if (!matchesRule(rule.match, observation, account)) continue;
    if (rule.routeTo !== undefined && !routedByRule) {
      team = rule.routeTo;
      routedBy = `rule:${rule.name}`;
      routedByRule = true;
    }
    alsoNotify.push(...rule.alsoNotify);
  }
  const suppression = config.suppressions.find((s) => now.getTime() < Date.parse(s.expiresAt) && matchesSuppression(s.match, observation, account));
  const decision: RoutingDecision = {
    team,
    routedBy,
    alsoNotify: [...new Set(alsoNotify)].filter((t) => t !== team),
    unconfigured: !Object.hasOwn(config.teams, team),
    staged: config.staging.includes(observation.rule),
  };
  if (suppression) decision.suppressedBy = { id: suppression.id, reason: suppression.reason, owner: suppression.owner, expires: suppression.expires };
  return decision;
}

function ownerOf(observation: Observation, account: DirectoryAccount | undefined, config: VigilConfig): Ownership {
  const steps = config.ownership;
  if (steps.resourceTagKey !== undefined) {
    const team = teamNamed(observation.resource.tags?.[steps.resourceTagKey], config);
    if (team) return { team, routedBy: `resource-tag:${steps.resourceTagKey}` };
  }
  if (steps.accountTagKey !== undefined && account) {
    const team = teamNamed(account.tags[steps.accountTagKey], config);
    if (team) return { team, routedBy: `account-tag:${steps.accountTagKey}` };
  }
  if (steps.ouRules && account) {
    // Sorted longest prefix first by parseVigilConfig; sorting again keeps hand-made configs right.
    const rule = [...steps.ouRules].sort((a, b) => b.prefix.length - a.prefix.length).find((r) => underOu(account.ouPath, r.prefix));
    if (rule) return { team: rule.team, routedBy: `ou:${rule.prefix}` };
  }
  const mapped = steps.accounts?.[observation.accountId];
  if (mapped !== undefined) return { team: mapped, routedBy: 'account-map' };
  return { team: config.defaultTeam, routedBy: 'default' };
}

/** A tag value as a team: trimmed, and spelled as the configuration spells it when it differs only in case. */
function teamNamed(value: string | undefined, config: VigilConfig): string | undefined {
  const name = value?.trim();
  if (!name) return undefined;
  if (Object.hasOwn(config.teams, name)) return name;
  return Object.keys(config.teams).find((t) => t.toLowerCase() === name.toLowerCase()) ?? name;
}

/** `/Root/Workloads/Payments` contains itself and `/Root/Workloads/Payments/Prod`, not `/Root/Workloads/PaymentsLegacy`. */
export function underOu(ouPath: string, prefix: string): boolean {
  return ouPath === prefix || ouPath.startsWith(`${prefix}/`);
}

function matchesRule(match: RuleMatch, observation: Observation, account: DirectoryAccount | undefined): boolean {
  if (match.source && !match.source.includes(observation.source)) return false;
  if (match.severity && !match.severity.includes(observation.severity)) return false;
  if (match.minSeverity && severityRank(observation.severity) < severityRank(match.minSeverity)) return false;
  if (match.accounts && !match.accounts.includes(observation.accountId)) return false;
  if (match.ouPrefix !== undefined && !(account && underOu(account.ouPath, match.ouPrefix))) return false;
  if (match.rule && !match.rule.some((pattern) => glob(pattern).test(observation.rule))) return false;
  return true;
}

function matchesSuppression(match: SuppressionMatch, observation: Observation, account: DirectoryAccount | undefined): boolean {
  if (!matchesRule(match, observation, account)) return false;
  if (match.tag) {
    const resourceTags = observation.resource.tags ?? {};
    const value = Object.hasOwn(resourceTags, match.tag.key) ? resourceTags[match.tag.key] : account?.tags[match.tag.key];
    if (value !== match.tag.value) return false;
  }
  if (match.resourcePattern !== undefined && !glob(match.resourcePattern).test(observation.resource.id)) return false;
  return true;
}

const globs = new Map<string, RegExp>();

/** `*` any run of characters (`/` and `:` included, as in IAM), `?` one character; the rest literal. */
export function glob(pattern: string): RegExp {
  let regex = globs.get(pattern);
  if (!regex) {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    regex = new RegExp(`^${body}$`, 's');
    globs.set(pattern, regex);
  }
  return regex;
}

/**
 * The `route` of IngestDeps: looks the account up in the directory (a CachedDirectory, so
 * a warm container does no network call) and resolves ownership.
 */
export function createRouter(config: VigilConfig, directory: Pick<Directory, 'getAccount'>, now: () => Date = () => new Date()): (observation: Observation) => Promise<RoutingDecision> {
  return async (observation) => resolveOwnership(observation, await directory.getAccount(observation.accountId), config, now());
}

/**
 * The router ingest uses: like {@link createRouter}, but an account the directory does
 * not know is refused with {@link InvalidEventError} (`account-not-in-organization`), so
 * the event is quarantined and counted, never routed: with the bus admitting only the
 * organization it should not happen, so it is a signal. An empty directory (not synced
 * yet) refuses nothing; `onEmptyDirectory` is told, so it can be counted.
 */
export function createIngestRouter(
  config: VigilConfig,
  directory: Pick<Directory, 'getAccount' | 'listAccounts'>,
  options: { now?: () => Date; onEmptyDirectory?: () => void } = {},
): (observation: Observation) => Promise<Ownership> {
  const now = options.now ?? (() => new Date());
  return async (observation) => {
    const account = await directory.getAccount(observation.accountId);
    if (!account) {
      if ((await directory.listAccounts()).length > 0) {
        throw new InvalidEventError('account-not-in-organization', `account ${observation.accountId} is not in the organization's directory`);
      }
      options.onEmptyDirectory?.();
    }
    return ownershipOf(resolveOwnership(observation, account, config, now()));
  };
}

/** What a finding stores of a routing decision. */
export function ownershipOf(decision: RoutingDecision): Ownership {
  const until = decision.suppressedBy ? expiryInstant(decision.suppressedBy.expires) : undefined;
  // Optional fields are added, not spread into the literal: this runs for every finding event.
  const ownership: Ownership = { team: decision.team, routedBy: decision.routedBy };
  if (decision.alsoNotify.length) ownership.alsoNotify = decision.alsoNotify;
  if (decision.unconfigured) ownership.unconfigured = true;
  if (decision.staged) ownership.staged = true;
  if (decision.suppressedBy && until) ownership.suppression = { id: decision.suppressedBy.id, until: until.toISOString() };
  return ownership;
}
