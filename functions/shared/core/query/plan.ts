import { requireSomeTeam, requireTeam, type Caller } from './caller.js';
import type { FindingFilter } from './filters.js';

/**
 * Which index partitions a listing reads. Every listing is a Query on one index, over
 * one or more partitions, newest first: never a Scan.
 *
 * - `account`: the account's partition of `byAccount` (also when a team is given: an
 *   account holds fewer findings than a team, so fewer are read past the filter);
 * - `teams`: the team's partition of `byTeam`, or each of a member's teams, merged;
 * - `all`: every shard of the all-findings index, merged (admins without team or account).
 */
export type QueryScope = { by: 'account'; account: string } | { by: 'teams'; teams: string[] } | { by: 'all' };

/** An attribute of the index projection that must take one of `values`. */
export interface Predicate {
  attribute: 'team' | 'severity' | 'status' | 'source' | 'rule' | 'region';
  values: string[];
}

export interface FindingsQuery {
  scope: QueryScope;
  /** Bounds on lastSeenIdx, both inclusive: a key condition on the index sort key, not a filter. */
  since?: string;
  until?: string;
  /** Applied after items are read (a FilterExpression): they cost reads but are not returned. */
  predicates: Predicate[];
  /** Only these Regions' tables are read (`region=`); every configured Region when absent. */
  regions?: string[];
}

/**
 * Decides how to answer a listing for this caller, and whether it may ask at all:
 * a member asking for another team's findings, or a member of no team, is refused
 * (AccessDeniedError); a member asking for an account sees only its teams' findings in it.
 */
export function planFindingsQuery(filter: FindingFilter, caller: Caller): FindingsQuery {
  requireSomeTeam(caller);
  if (filter.team) requireTeam(caller, filter.team);
  const predicates: Predicate[] = [];
  let scope: QueryScope;
  if (filter.account) {
    scope = { by: 'account', account: filter.account };
    if (filter.team) predicates.push({ attribute: 'team', values: [filter.team] });
    else if (caller.kind === 'member') predicates.push({ attribute: 'team', values: caller.teams });
  } else if (filter.team) {
    scope = { by: 'teams', teams: [filter.team] };
  } else if (caller.kind === 'member') {
    scope = { by: 'teams', teams: caller.teams };
  } else {
    scope = { by: 'all' };
  }
  if (filter.severities) predicates.push({ attribute: 'severity', values: filter.severities });
  if (filter.statuses) predicates.push({ attribute: 'status', values: filter.statuses });
  if (filter.sources) predicates.push({ attribute: 'source', values: filter.sources });
  if (filter.rule) predicates.push({ attribute: 'rule', values: [filter.rule] });
  // Also a predicate: one table may hold findings of several Regions (CloudTrail's
  // global services, or one table locally); the Region filter then stays exact.
  if (filter.regions) predicates.push({ attribute: 'region', values: filter.regions });
  return { scope, predicates, ...(filter.regions ? { regions: filter.regions } : {}), ...(filter.since ? { since: filter.since } : {}), ...(filter.until ? { until: filter.until } : {}) };
}

/**
 * The index sort key range for since/until. Sort keys are `<lastSeenIdx>#<id>` with
 * lastSeenIdx in canonical ISO-8601, so string order is time order: `since` itself
 * sorts before every key of that instant, and `until` + `$` (after `#`) after every one.
 */
export function sortKeyRange(query: Pick<FindingsQuery, 'since' | 'until'>): { from?: string; to?: string } {
  return { ...(query.since ? { from: query.since } : {}), ...(query.until ? { to: `${query.until}$` } : {}) };
}
