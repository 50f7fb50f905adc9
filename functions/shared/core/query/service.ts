import { ConcurrentUpdateError } from '../errors.js';
import { decideAction, parseAcknowledge, parseSuppress, DEFAULT_SUPPRESSION_POLICY, type ActionDecision, type ActionHistoryEntry, type SuppressionPolicy } from './actions.js';
import { summarize, zeroCounts, type CounterRow, type Counts, type Summary } from './aggregates.js';
import { canSee, cursorIdentity, requireSomeTeam, visibleTeams, type Caller } from './caller.js';
import { openCursor, sealCursor, START, type CursorBinding } from './cursor.js';
import { ActionConflictError, FindingNotFoundError } from './errors.js';
import { canonicalFilter, parseListRequest, type QueryParameters } from './filters.js';
import { mergeNewestFirst, type PartitionRead } from './merge.js';
import { planFindingsQuery, type FindingsQuery, type QueryScope } from './plan.js';
import type { ActionState, FindingSummaryView, FindingView } from './views.js';

/** Reads and writes of findings the API needs (DynamoDB: functions/shared/adapters/dynamodb-finding-queries.ts). */
export interface FindingReader {
  /** How many index partitions the scope spans (a cursor keeps one position each). */
  partitions(scope: QueryScope): number;
  /** One Query on one partition: at most `limit` items evaluated, newest first, after `after`. */
  readPartition(query: FindingsQuery, partition: number, after: string | undefined, limit: number): Promise<PartitionRead<FindingSummaryView>>;
  /** The finding, its detail and its newest `historyLimit` history entries; one Query on its partition. */
  getFinding(id: string, historyLimit: number): Promise<FindingView | undefined>;
  /** What an action decides from, read strongly consistent. */
  getActionState(id: string): Promise<ActionState | undefined>;
  /** Writes the decision conditionally on its expected version; throws ConcurrentUpdateError when it lost a race. */
  applyAction(decision: ActionDecision): Promise<void>;
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

export type TeamCounts = Counts & { team: string };
export type AccountCounts = Counts & { accountId: string; name?: string; status?: string; ouPath?: string; inDirectory: boolean };

const FINDING_ID = /^[0-9a-f]{32}$/;
/** A lost race with ingest or another person is retried from a fresh read this many times. */
const MAX_ACTION_ATTEMPTS = 4;

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
    for (let attempt = 1; attempt <= MAX_ACTION_ATTEMPTS; attempt++) {
      const state = await deps.findings.getActionState(id);
      if (!state || !canSee(caller, state.team)) throw new FindingNotFoundError(id);
      const decision = decide(state);
      if ('unchanged' in decision) {
        return { id, status: state.status, version: state.version, changed: false, ...(state.suppressedUntil ? { suppressedUntil: state.suppressedUntil } : {}) };
      }
      try {
        await deps.findings.applyAction(decision);
        return {
          id,
          status: decision.status,
          version: decision.expectedVersion + 1,
          changed: true,
          ...(decision.set.suppressedUntil ? { suppressedUntil: decision.set.suppressedUntil } : {}),
          history: decision.history,
        };
      } catch (error) {
        // Someone else wrote in between: decide again from what they wrote (which may
        // now refuse the action, or no longer match the caller's expected version).
        if (!(error instanceof ConcurrentUpdateError)) throw error;
      }
    }
    throw new ActionConflictError('the finding kept changing; try again');
  }

  return {
    /** `GET /findings`: one page, newest lastSeenIdx first, and a cursor while there is more. */
    async listFindings(caller: Caller, params: QueryParameters): Promise<FindingsPage> {
      const request = parseListRequest(params);
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
  };
}

export type QueryService = ReturnType<typeof createQueryService>;
