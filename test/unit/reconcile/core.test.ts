import { describe, expect, it } from 'vitest';
import { DEFAULT_FOLD_OPTIONS, fold, observationKey, type Decision, type FindingState } from '../../../functions/shared/core/lifecycle.js';
import { normalizeEvent } from '../../../functions/shared/core/normalizers/index.js';
import { configFindingId } from '../../../functions/shared/core/normalizers/config.js';
import { deriveNotification } from '../../../functions/shared/core/notify/transition.js';
import type { FindingStore } from '../../../functions/shared/core/ports.js';
import {
  compareAccountRegion,
  decideOpen,
  decideResolve,
  lookupRuleMetadata,
  openObservation,
  reconciledStore,
  toRuleMetadata,
  type NonCompliantEvaluation,
  type OpenConfigFinding,
} from '../../../functions/shared/core/reconcile/index.js';
import { loadEvent } from '../../support/events.js';

const ACCOUNT = '123456789012';
const REGION = 'us-east-2';
const ownership = { team: 'security', routedBy: 'default' };

function evaluation(resourceId: string, recordedAt = '2026-03-01T10:00:00.000Z', rule = 'cloudtrail-enabled'): NonCompliantEvaluation {
  return { rule, accountId: ACCOUNT, region: REGION, resourceType: 'AWS::::Account', resourceId, recordedAt };
}

function openRef(resourceId: string, rule = 'cloudtrail-enabled'): OpenConfigFinding {
  return { id: configFindingId(ACCOUNT, REGION, rule, 'AWS::::Account', resourceId), rule, accountId: ACCOUNT, region: REGION, resourceType: 'AWS::::Account', resourceId };
}

/** The state ingest would hold after folding this evaluation as an event. */
function stateOf(e: NonCompliantEvaluation): FindingState {
  const decision = fold(undefined, openObservation(e), { ...DEFAULT_FOLD_OPTIONS, ownership });
  if (decision.kind !== 'create') throw new Error('expected a create');
  return decision.next;
}

describe('reconcile: observations are the ones the missed event would have made', () => {
  it('gives a NON_COMPLIANT evaluation the id, title, severity and observation key of its compliance-change event', () => {
    // Prepare: the corpus event, turned NON_COMPLIANT, and what the aggregator reports of the same evaluation
    const event = loadEvent('corpus/config/eventbridge-derived/awsdocs-config-developer-guide__example-config-rule-compliance-notification.json') as {
      detail: { newEvaluationResult: { complianceType: string } };
    };
    event.detail.newEvaluationResult.complianceType = 'NON_COMPLIANT';
    const live = normalizeEvent(event);
    // Act
    const reconciled = openObservation({ rule: 'cloudtrail-enabled', accountId: ACCOUNT, region: REGION, resourceType: 'AWS::::Account', resourceId: ACCOUNT, recordedAt: '2016-09-27T19:48:41.405Z' });
    // Assess: the late event is then a replay of the reconciled observation
    expect(live.kind).toBe('findings');
    const observation = live.kind === 'findings' ? live.observations[0]! : undefined;
    expect(reconciled).toMatchObject({ id: observation!.id, title: observation!.title, severity: observation!.severity, status: 'OPEN', observedAt: observation!.observedAt });
    expect(observationKey(reconciled)).toBe(observationKey(observation!));
  });
});

describe('reconcile: comparing an account and Region', () => {
  it('finds what to open, what to resolve, what agrees, and leaves INSUFFICIENT_DATA rules undecided', () => {
    // Prepare
    const view = {
      accountId: ACCOUNT,
      region: REGION,
      rules: [
        { rule: 'cloudtrail-enabled', accountId: ACCOUNT, region: REGION, compliance: 'NON_COMPLIANT' as const },
        { rule: 'mfa-enabled', accountId: ACCOUNT, region: REGION, compliance: 'INSUFFICIENT_DATA' as const },
      ],
      nonCompliant: [evaluation('a'), evaluation('b'), evaluation('b', '2026-03-02T00:00:00.000Z'), { ...evaluation('x'), region: 'eu-west-1' }],
      open: [openRef('b'), openRef('c'), openRef('m', 'mfa-enabled'), { ...openRef('z'), region: 'eu-west-1' }],
    };
    // Act
    const candidates = compareAccountRegion(view);
    // Assess: another Region's evaluations and findings are not this deployment's
    expect(candidates.toOpen.map((e) => e.resourceId)).toEqual(['a']);
    expect(candidates.toResolve.map((f) => f.resourceId)).toEqual(['c']);
    expect(candidates.undecided.map((f) => f.resourceId)).toEqual(['m']);
    expect(candidates.agreeing).toBe(1);
  });
});

describe('reconcile: deciding from the stored state', () => {
  const now = new Date('2026-03-05T00:00:00.000Z');
  const settleMs = 3 * 3_600_000;

  it('opens a missing finding at Config’s time, and reopens a resolved one only for a newer evaluation', () => {
    const e = evaluation('a');
    expect(decideOpen(e, undefined)).toMatchObject({ action: 'open', observation: { observedAt: e.recordedAt, status: 'OPEN' } });
    const resolvedEarlier = { ...stateOf(evaluation('a', '2026-02-01T00:00:00.000Z')), status: 'RESOLVED' as const };
    expect(decideOpen(e, resolvedEarlier)).toMatchObject({ action: 'open' });
    const resolvedLater = { ...stateOf(evaluation('a', '2026-03-03T00:00:00.000Z')), status: 'RESOLVED' as const };
    expect(decideOpen(e, resolvedLater)).toMatchObject({ action: 'defer', reason: 'vigil-newer' });
    expect(decideOpen(e, stateOf(e))).toMatchObject({ action: 'none', reason: 'already-open' });
  });

  it('resolves one millisecond after the last sighting, once the aggregator has had time to catch up', () => {
    const old = stateOf(evaluation('c', '2026-03-01T00:00:00.000Z'));
    const fresh = stateOf(evaluation('c', '2026-03-04T23:00:00.000Z'));
    expect(decideResolve(openRef('c'), old, { now, settleMs })).toMatchObject({ action: 'resolve', observation: { status: 'RESOLVED', observedAt: '2026-03-01T00:00:00.001Z', id: openRef('c').id } });
    expect(decideResolve(openRef('c'), fresh, { now, settleMs })).toMatchObject({ action: 'defer', reason: 'settling' });
    expect(decideResolve(openRef('c'), { ...old, status: 'RESOLVED' }, { now, settleMs })).toMatchObject({ action: 'none', reason: 'already-resolved' });
    expect(decideResolve(openRef('c'), undefined, { now, settleMs })).toMatchObject({ action: 'none', reason: 'gone' });
  });

  it('decides the same twice: the resolution of the same state has the same observation key', () => {
    const state = stateOf(evaluation('c', '2026-03-01T00:00:00.000Z'));
    const first = decideResolve(openRef('c'), state, { now, settleMs });
    const second = decideResolve(openRef('c'), state, { now: new Date('2026-03-06T00:00:00.000Z'), settleMs });
    expect(first.action === 'resolve' && second.action === 'resolve' && observationKey(first.observation) === observationKey(second.observation)).toBe(true);
  });
});

describe('reconcile: rule metadata', () => {
  const described = new Map([
    ['s3-bucket-versioning-enabled', toRuleMetadata({ name: 's3-bucket-versioning-enabled', description: 'Checks versioning.', owner: 'AWS', sourceIdentifier: 'S3_BUCKET_VERSIONING_ENABLED' })],
    ['custom-check', toRuleMetadata({ name: 'custom-check', owner: 'CUSTOM_LAMBDA', sourceIdentifier: 'arn:aws:lambda:us-east-1:123456789012:function:check', arn: 'arn:aws:config:us-east-1:123456789012:config-rule/config-rule-abc' })],
  ]);

  it('finds an organization rule’s copy in a member account by the name AWS Config gives it, and links the managed rule’s page', () => {
    expect(lookupRuleMetadata(described, 'OrgConfigRule-s3-bucket-versioning-enabled-dbgzf8ba')).toEqual({
      description: 'Checks versioning.',
      sourceIdentifier: 'S3_BUCKET_VERSIONING_ENABLED',
      remediationUrl: 'https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-versioning-enabled.html',
    });
    expect(lookupRuleMetadata(described, 'custom-check')).toEqual({ sourceIdentifier: 'arn:aws:lambda:us-east-1:123456789012:function:check', arn: 'arn:aws:config:us-east-1:123456789012:config-rule/config-rule-abc' });
    expect(lookupRuleMetadata(described, 'unknown-rule')).toBeUndefined();
  });

  it('adds the rule’s words to the finding’s text without changing what identifies the observation', () => {
    const e = evaluation('a', '2026-03-01T10:00:00.000Z', 's3-bucket-versioning-enabled');
    const plain = openObservation(e);
    const enriched = openObservation(e, lookupRuleMetadata(described, 's3-bucket-versioning-enabled'));
    expect(enriched.description).toContain('Rule: Checks versioning.');
    expect(enriched.description).toContain('Remediation: https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-versioning-enabled.html');
    expect(observationKey(enriched)).toBe(observationKey(plain));
  });
});

describe('reconcile: writing through the reconciled store', () => {
  function recordingStore(): FindingStore & { commits: Array<Exclude<Decision, { kind: 'noop' }>> } {
    const commits: Array<Exclude<Decision, { kind: 'noop' }>> = [];
    return { commits, get: async () => undefined, commit: async (d) => void commits.push(d) };
  }

  it('records `reconciled` as the cause with the reason, and marks a quiet run’s transition so the notifier skips only that one', async () => {
    // Prepare
    const inner = recordingStore();
    const decision = fold(undefined, openObservation(evaluation('a')), { ...DEFAULT_FOLD_OPTIONS, ownership });
    if (decision.kind === 'noop') throw new Error('expected a write');
    // Act
    await reconciledStore(inner, { reason: 'missing', quiet: true }).commit(decision);
    await reconciledStore(inner, { reason: 'missing', quiet: false }).commit(decision);
    // Assess
    const [quiet, loud] = inner.commits as Array<Extract<Decision, { kind: 'create' }>>;
    expect(quiet!.history).toMatchObject({ cause: 'reconciled', reason: 'missing', kind: 'opened' });
    expect(quiet!.history.eventId).toBeUndefined();
    expect(quiet!.next.quietTransitionAt).toBe(quiet!.next.transitionAt);
    expect(loud!.next.quietTransitionAt).toBeUndefined();
    const image = (state: FindingState) => ({ pk: `F#${state.id}`, sk: 'F', ...state });
    expect(deriveNotification(undefined, image(quiet!.next))).toEqual({ kind: 'skip', reason: 'quiet' });
    expect(deriveNotification(undefined, image(loud!.next))).toMatchObject({ kind: 'notify', event: { kind: 'OPENED' } });
    // A later transition of the quietly opened finding is announced as usual.
    const resolved = { ...quiet!.next, status: 'RESOLVED' as const, transition: 'RESOLVED' as const, transitionAt: '2026-03-02T00:00:00.000Z', version: 2 };
    expect(deriveNotification(image(quiet!.next), image(resolved))).toMatchObject({ kind: 'notify', event: { kind: 'RESOLVED' } });
  });
});
