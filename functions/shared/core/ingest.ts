import { ConcurrentUpdateError, InvalidEventError } from './errors.js';
import type { Observation } from './finding.js';
import { DEFAULT_FOLD_OPTIONS, fold, type Decision, type FoldOptions, type Ownership, type Transition } from './lifecycle.js';
import { normalizeEvent, type NormalizeResult } from './normalizers/index.js';
import type { FindingStore, HeartbeatStore } from './ports.js';

export interface IngestDeps {
  store: FindingStore;
  /** Where heartbeats go; without one, heartbeats are ignored with a reason. */
  heartbeats?: HeartbeatStore;
  /** Decides the owner of a finding (routing). */
  route(observation: Observation): Ownership | Promise<Ownership>;
  foldOptions?: Partial<Omit<FoldOptions, 'ownership'>>;
  /** Current time, injectable for tests. */
  now?: () => Date;
}

export interface FindingOutcome {
  id: string;
  decision: Decision['kind'];
  team: string;
  /** The owning team has no configuration (named by a tag before it was configured). */
  unconfigured?: boolean;
  reason?: string;
  transition?: Transition;
}

export type IngestOutcome = { kind: 'findings'; findings: FindingOutcome[] } | { kind: 'heartbeat'; accountId: string; region: string } | { kind: 'ignored'; reason: string };

/** Concurrent writers of one finding are rare; a handful of re-reads settles any race. */
const MAX_ATTEMPTS = 8;
/** Nothing Vigil ingests predates AWS Config (2014); a clock more than a day ahead is wrong. */
const EARLIEST_OBSERVATION = Date.parse('2014-01-01T00:00:00Z');
const MAX_CLOCK_SKEW_MS = 24 * 60 * 60 * 1000;

/**
 * Ingests one EventBridge event: validate, normalize, route, fold into the stored state
 * with optimistic concurrency. Throws InvalidEventError for input to quarantine; any
 * other error is transient and the caller lets the message be retried.
 */
export async function ingestEvent(event: unknown, deps: IngestDeps): Promise<IngestOutcome> {
  return ingestNormalized(normalizeEvent(event), deps);
}

/**
 * Ingests what a normalizer made of one input (an EventBridge event, or a bare
 * CloudTrail record replayed by a backfill). Same checks and writes as {@link ingestEvent}.
 */
export async function ingestNormalized(result: NormalizeResult, deps: IngestDeps): Promise<IngestOutcome> {
  if (result.kind === 'ignored') return result;
  if (result.kind === 'heartbeat') {
    if (!deps.heartbeats) return { kind: 'ignored', reason: 'heartbeat: no heartbeat store here' };
    await deps.heartbeats.recordHeartbeat(result.heartbeat);
    return { kind: 'heartbeat', accountId: result.heartbeat.accountId, region: result.heartbeat.region };
  }
  const now = (deps.now ?? (() => new Date()))().getTime();
  for (const observation of result.observations) {
    const at = Date.parse(observation.observedAt);
    if (at < EARLIEST_OBSERVATION || at > now + MAX_CLOCK_SKEW_MS) {
      throw new InvalidEventError('timestamp-out-of-range', `observation time ${observation.observedAt} is before 2014 or more than a day in the future`);
    }
  }
  // Route every observation before writing any: an event refused by routing (an
  // account outside the organization) must leave nothing half-written.
  const ownerships = await Promise.all(result.observations.map((observation) => deps.route(observation)));
  const findings: FindingOutcome[] = [];
  for (const [i, observation] of result.observations.entries()) {
    findings.push(await applyObservation(observation, ownerships[i]!, deps));
  }
  return { kind: 'findings', findings };
}

async function applyObservation(observation: Observation, ownership: Ownership, deps: IngestDeps): Promise<FindingOutcome> {
  const options: FoldOptions = { ...DEFAULT_FOLD_OPTIONS, ...deps.foldOptions, ownership };
  for (let attempt = 1; ; attempt++) {
    // The first read is eventually consistent (half the price); a lost race re-reads strongly.
    const current = await deps.store.get(observation.id, attempt > 1);
    const decision = fold(current, observation, options);
    if (decision.kind === 'noop') return { id: observation.id, decision: 'noop', reason: decision.reason, team: ownership.team };
    try {
      await deps.store.commit(decision);
      return {
        id: observation.id,
        decision: decision.kind,
        team: ownership.team,
        ...(ownership.unconfigured ? { unconfigured: true } : {}),
        ...(decision.kind === 'create' || (decision.kind === 'change' && decision.history.kind !== 'late-observation')
          ? { transition: decision.next.transition }
          : {}),
      };
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}
