import { coverageGaps, type CoverageGap } from '../coverage.js';
import { actOnFinding, decideAction, parseAcknowledge, parseSuppress, DEFAULT_SUPPRESSION_POLICY, type ActionDecision, type ActionHistoryEntry, type FindingActionStore, type SuppressionPolicy } from './actions.js';
import { summarize, zeroCounts, type CounterRow, type Counts, type Summary } from './aggregates.js';
import { canSee, cursorIdentity, requireAdmin, requireSomeTeam, visibleTeams, type Caller } from './caller.js';
import { openCursor, sealCursor, START, type CursorBinding } from './cursor.js';
import { FindingNotFoundError, InvalidParameterError } from './errors.js';
import { canonicalFilter, parseListRequest, type QueryParameters } from './filters.js';
import { mergeNewestFirst, type PartitionRead } from './merge.js';
import { planFindingsQuery, type FindingsQuery, type QueryScope } from './plan.js';
import type { HeartbeatSource } from './regions.js';
import type { ActionState, FindingSummaryView, FindingView } from './views.js';

/** Reads and writes of findings the API needs (DynamoDB: functions/shared/adapters/dynamodb-finding-queries.ts). */
export interface FindingReader extends FindingActionStore {
  /** How many index partitions the scope spans (a cursor keeps one position each). */
  partitions(scope: QueryScope): number;
  /** One Query on one partition: at most `limit` items evaluated, newest first, after `after`. */
  readPartition(query: FindingsQuery, partition: number, after: string | undefined, limit: number): Promise<PartitionRead<FindingSummaryView>>;
  /** The finding, its detail and its newest `historyLimit` history entries; one Query on its partition. */
  getFinding(id: string, historyLimit: number): Promise<FindingView | undefined>;
}

/** The maintained counters (functions/shared/adapters/dynamodb-aggregates.ts). */
export interface CounterReader {
  /** Every shard of the counters of these teams, or of all teams. */
  readCounters(teams: string[] | 'all'): Promise<CounterRow[]>;
}

export interface DirectoryAccount {
  accountId: string;
  name?: string;
  status?: string;
  ouPath?: string;
}

/** The organization's accounts as the directory recorded them (`pk=DIR, sk=A#<id>`); empty when there is none. */
export interface DirectoryReader {
  listAccounts(): Promise<DirectoryAccount[]>;
}

export interface QueryServiceDeps {
  findings: FindingReader;
  counters: CounterReader;
  directory: DirectoryReader;
  /** The key that signs cursors (Secrets Manager in AWS, derived locally). */
  cursorKey: () => Promise<Uint8Array>;
  now?: () => Date;
  /** Most index items one page may evaluate, over all partitions (default 1000). */
  pageBudget?: number;
  /** Most history entries `GET /findings/{id}` returns (default 100). */
  historyLimit?: number;
  suppression?: SuppressionPolicy;
  /** Teams to list even with nothing counted yet (the routing configuration's). */
  knownTeams?: readonly string[];
  /** The Regions whose tables `findings` and `counters` read (the organization-wide view). */
  regions?: readonly string[];
  /** What `GET /coverage` reads and expects: heartbeats, and the Regions every active account should send from. */
  coverage?: { heartbeats: HeartbeatSource; expectedRegions: readonly string[]; maxSilenceMinutes: number };
}

export interface FindingsPage {
  items: FindingSummaryView[];
  nextCursor?: string;
}

export interface ActionResult {
  id: string;
  status: ActionDecision['status'];
  version: number;
  /** False when the finding already was as asked (acknowledging an acknowledged finding): nothing was written. */
  changed: boolean;
  suppressedUntil?: string;
  /** The history entry written (absent when nothing changed). */
  history?: ActionHistoryEntry;
}

export interface CoverageReport {
  /** The Regions every active account of the directory is expected to send heartbeats from. */
  regions: string[];
  maxSilenceMinutes: number;
  /** Active accounts of the directory; with no directory yet, nothing is expected and this is 0. */
  activeAccounts: number;
  /** Account-Region pairs heard from within the allowed silence. */
  covered: number;
  gaps: CoverageGap[];
  /** Heartbeats from accounts the directory does not list as active (left, suspended, or not yet synced). */
  unexpected: number;
}

export type TeamCounts = Counts & { team: string };
export type AccountCounts = Counts & { accountId: string; name?: string; status?: string; ouPath?: string; inDirectory: boolean };

const FINDING_ID = /^[0-9a-f]{32}$/;

/**
 * The query API's use cases, over ports: what each endpoint does, who may do it, and
 * what it costs (every read is a Query on a key or an index; a page is bounded by
 * `pageBudget` evaluated items whatever the table's size).
 */
export function createQueryService(deps: QueryServiceDeps) {
  const now = deps.now ?? (() => new Date());
  const pageBudget = deps.pageBudget ?? 1000;
  const historyLimit = deps.historyLimit ?? 100;
  const suppression = deps.suppression ?? DEFAULT_SUPPRESSION_POLICY;
  const knownTeams = deps.knownTeams ?? [];

  async function findingFor(caller: Caller, id: string): Promise<FindingView> {
    const finding = FINDING_ID.test(id) ? await deps.findings.getFinding(id, historyLimit) : undefined;
    // Another team's finding is "not found": its existence is not the caller's to know.
    if (!finding || !canSee(caller, finding.team)) throw new FindingNotFoundError(id);
    return finding;
  }

  /** The counters summed over the caller's teams; its own teams (an admin: the configured ones) listed even at zero. */
  async function counts(caller: Caller): Promise<Summary> {
    requireSomeTeam(caller);
    const visible = visibleTeams(caller);
    const rows = await deps.counters.readCounters(visible);
    return summarize(rows, visible, visible === 'all' ? knownTeams : visible);
  }

  /** Who acted, as every action writer names people: `api:<subject or principal ARN>`. */
  const actorOf = (caller: Caller) => `api:${caller.id}`;

  async function act(caller: Caller, id: string, decide: (state: ActionState) => ActionDecision | { unchanged: true }): Promise<ActionResult> {
    if (!FINDING_ID.test(id)) throw new FindingNotFoundError(id);
    const outcome = await actOnFinding(deps.findings, id, decide, (state) => canSee(caller, state.team));
    if (!outcome) throw new FindingNotFoundError(id);
    if (!outcome.changed) {
      const { state } = outcome;
      return { id, status: state.status, version: state.version, changed: false, ...(state.suppressedUntil ? { suppressedUntil: state.suppressedUntil } : {}) };
    }
    const { decision } = outcome;
    return {
      id,
      status: decision.status,
      version: decision.expectedVersion + 1,
      changed: true,
      ...(decision.set.suppressedUntil ? { suppressedUntil: decision.set.suppressedUntil } : {}),
      history: decision.history,
    };
  }

  return {
    /** `GET /findings`: one page, newest lastSeenIdx first, and a cursor while there is more. */
    async listFindings(caller: Caller, params: QueryParameters): Promise<FindingsPage> {
      const request = parseListRequest(params);
      const configured = deps.regions ?? [];
      // With several Regions, each table holds its own Region's findings: a Region outside
      // them would silently answer nothing.
      const unread = configured.length > 1 ? (request.filter.regions ?? []).filter((r) => !configured.includes(r)) : [];
      if (unread.length > 0) throw new InvalidParameterError('region', `${unread.join(', ')} not read by this API; it reads ${configured.join(', ')}`);
      const query = planFindingsQuery(request.filter, caller);
      const partitions = deps.findings.partitions(query.scope);
      const binding: CursorBinding = { filter: canonicalFilter(request.filter), identity: cursorIdentity(caller) };
      const key = await deps.cursorKey();
      const state = request.cursor ? openCursor(request.cursor, binding, key, partitions) : { positions: Array.from({ length: partitions }, () => START) };
      const filtered = query.predicates.length > 0;
      const page = await mergeNewestFirst({
        positions: state.positions,
        ...(state.selectivity !== undefined ? { selectivity: state.selectivity } : {}),
        read: (partition, after, limit) => deps.findings.readPartition(query, partition, after, limit),
        sortKey: (item) => `${item.lastSeen}#${item.id}`,
        limit: request.limit,
        budget: pageBudget,
        filtered,
      });
      const next = { positions: page.positions, ...(filtered ? { selectivity: page.selectivity } : {}) };
      return { items: page.items, ...(page.exhausted ? {} : { nextCursor: sealCursor(next, binding, key) }) };
    },

    /** `GET /findings/{id}`: the finding with its detail and history, if the caller may see it. */
    getFinding: findingFor,

    /** `POST /findings/{id}/acknowledge`. */
    acknowledge(caller: Caller, id: string, body: unknown): Promise<ActionResult> {
      const request = parseAcknowledge(body);
      return act(caller, id, (state) => decideAction(state, request, actorOf(caller), now()));
    },

    /** `POST /findings/{id}/suppress`: until the given time, or `suppression.defaultDays` from now. */
    suppress(caller: Caller, id: string, body: unknown): Promise<ActionResult> {
      const at = now();
      const request = parseSuppress(body, at, suppression);
      return act(caller, id, (state) => decideAction(state, request, actorOf(caller), at));
    },

    /** `GET /summary`: counts over the caller's teams, from the maintained counters. */
    async summary(caller: Caller): Promise<Summary> {
      return counts(caller);
    },

    /** `GET /teams`: each team the caller sees, with its counts. */
    async teams(caller: Caller): Promise<{ teams: TeamCounts[] }> {
      return { teams: (await counts(caller)).byTeam };
    },

    /**
     * `GET /accounts`: accounts as Vigil sees them: an admin gets every account of the
     * directory (with zero counts where nothing is found) and any other account findings
     * name; a member gets the accounts its teams have findings in.
     */
    async accounts(caller: Caller): Promise<{ accounts: AccountCounts[] }> {
      const [summary, directory] = await Promise.all([counts(caller), deps.directory.listAccounts()]);
      const named = new Map(directory.map((a) => [a.accountId, a]));
      const counted = new Map(summary.byAccount.map((a) => [a.accountId, a]));
      const ids = new Set([...counted.keys(), ...(caller.kind === 'admin' ? named.keys() : [])]);
      const accounts = [...ids].sort().map((accountId): AccountCounts => {
        const entry = named.get(accountId);
        const c = counted.get(accountId) ?? { accountId, ...zeroCounts() };
        return { ...c, ...(entry?.name ? { name: entry.name } : {}), ...(entry?.status ? { status: entry.status } : {}), ...(entry?.ouPath ? { ouPath: entry.ouPath } : {}), inDirectory: !!entry };
      });
      return { accounts };
    },

    /**
     * `GET /coverage` (administrators): which active accounts, in which expected Regions,
     * Vigil has not heard a heartbeat from lately: where events may be missing.
     */
    async coverage(caller: Caller): Promise<CoverageReport> {
      requireAdmin(caller);
      if (!deps.coverage) throw new Error('coverage is not configured');
      const { heartbeats: source, expectedRegions, maxSilenceMinutes } = deps.coverage;
      const [directory, heartbeats] = await Promise.all([deps.directory.listAccounts(), source.loadHeartbeats()]);
      const accounts = directory.map((a) => ({ id: a.accountId, name: a.name ?? a.accountId, status: a.status ?? 'ACTIVE' }));
      const active = new Set(accounts.filter((a) => a.status === 'ACTIVE').map((a) => a.id));
      const regions = [...expectedRegions].sort();
      const gaps = coverageGaps({ accounts, regions, heartbeats, now: now(), maxSilenceMs: maxSilenceMinutes * 60_000 });
      const unexpected = new Set(heartbeats.filter((h) => !active.has(h.accountId)).map((h) => h.accountId)).size;
      return { regions, maxSilenceMinutes, activeAccounts: active.size, covered: active.size * regions.length - gaps.length, gaps, unexpected };
    },
  };
}

export type QueryService = ReturnType<typeof createQueryService>;
