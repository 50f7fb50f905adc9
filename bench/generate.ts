/**
 * A seeded, organization-scale event stream for the ingest benchmark, cloned from the
 * real events in events/ (only ids, account, Region, times, counts and compliance are
 * changed; see docs/performance.md for every assumption).
 *
 * The model: an organization of `accounts` accounts in `regions`, watched for `days` days
 * from `start`. Every source is simulated for the whole organization as entities with
 * timelines (a GuardDuty finding and its 6-hourly re-publications, a Config evaluation
 * and its flips, a Security Hub finding and its daily re-imports, a principal's risky
 * CloudTrail calls, a forwarder's hourly heartbeat). A random fraction of the entities
 * (the same fraction for every source, so proportions, per-finding histories and
 * per-account and per-team shares are kept) is then materialized so that about `events`
 * events fall in the window. Findings that were already open when the window starts are
 * "primed": one earlier event each, ingested before measuring, so the window shows the
 * steady state (repeats of known findings), not an empty table filling up.
 *
 * Usage: npx tsx bench/generate.ts [--seed 42] [--events 30000] [--out bench/tmp/stream.json]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DirectoryAccount } from '../functions/shared/core/routing/directory.js';
import { loadCorpus, type Corpus, type CorpusTemplate, type Json } from './lib/corpus.js';
import { Rng } from './lib/prng.js';

export type SourceKind = 'guardduty' | 'config' | 'cloudtrail' | 'securityhub' | 'heartbeat';
export const SOURCE_KINDS: readonly SourceKind[] = ['guardduty', 'config', 'cloudtrail', 'securityhub', 'heartbeat'];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MINUTE = 60_000;

/** Per account and Region per day, for an account of average activity (see docs/performance.md). */
export interface SourceRates {
  /** Recurring (long-lived) GuardDuty findings per account-Region. */
  guarddutyActiveFindings: number;
  /** GuardDuty's publishing frequency for updated findings (default 6 hours). */
  guarddutyPublishHours: number;
  /** Chance a recurring finding had new occurrences in a publishing period (only then is it re-published). */
  guarddutyRecurrence: number;
  guarddutyNewPerDay: number;
  guarddutyArchivedPerDay: number;
  /** Config evaluations NON_COMPLIANT when the window opens. */
  configOpenEvaluations: number;
  /** Compliance-change events per day (new resources, flips). */
  configChangesPerDay: number;
  /** Resources per account-Region a conformance-pack rule evaluates in the rollout burst (0: no burst). */
  configBurstResources: number;
  /** CloudTrail calls matched by the detections rule, per day. */
  cloudtrailPerDay: number;
  /** FAILED Security Hub findings (controls and integrated products) open at the start, re-imported daily. */
  securityhubOpenFindings: number;
  securityhubNewPerDay: number;
  /** PASSED imports for resources never seen failing (Vigil records nothing). */
  securityhubPassedPerDay: number;
  /** Forwarder heartbeats per hour (infra/member-forwarder.yaml: rate(1 hour)). */
  heartbeatsPerHour: number;
}

export const DEFAULT_RATES: SourceRates = {
  guarddutyActiveFindings: 2,
  guarddutyPublishHours: 6,
  guarddutyRecurrence: 0.85,
  guarddutyNewPerDay: 0.15,
  guarddutyArchivedPerDay: 0.01,
  configOpenEvaluations: 6,
  configChangesPerDay: 5,
  configBurstResources: 8,
  cloudtrailPerDay: 1.25,
  securityhubOpenFindings: 1.5,
  securityhubNewPerDay: 0.3,
  securityhubPassedPerDay: 0.5,
  heartbeatsPerHour: 1,
};

export interface GeneratorOptions {
  seed: number;
  /** Events in the measured window (the stream is cut at this many, in arrival order). */
  events: number;
  accounts: number;
  regions: ReadonlyArray<readonly [string, number]>;
  days: number;
  /** Window start (ISO). Fixed, so a seed always gives the same bodies. */
  start: string;
  rates: SourceRates;
  /** Share of events EventBridge delivers twice (at-least-once). */
  duplicateRate: number;
  /** Share of events delivered late (5 minutes to 2 hours after their time). */
  lateRate: number;
}

export const DEFAULT_OPTIONS: GeneratorOptions = {
  seed: 42,
  events: 30_000,
  accounts: 1000,
  // Region → relative activity of workloads there (every Region has a forwarder and a heartbeat).
  regions: [
    ['us-east-1', 0.4],
    ['eu-west-1', 0.25],
    ['us-west-2', 0.2],
    ['eu-central-1', 0.15],
  ],
  days: 3,
  start: '2026-10-05T00:00:00.000Z',
  rates: DEFAULT_RATES,
  duplicateRate: 0.01,
  lateRate: 0.02,
};

export interface StreamEvent {
  /** Arrival order in the window (0-based); primes have negative sequence numbers. */
  seq: number;
  kind: SourceKind;
  /** The entity (finding-like) the event belongs to. */
  entity: string;
  /** When the source said it (ms). */
  eventTime: number;
  /** When it reached the ingest queue (ms). */
  arrivalTime: number;
  /** The EventBridge event as the SQS message body carries it. */
  body: string;
  duplicate?: boolean;
  late?: boolean;
  burst?: boolean;
}

export interface GeneratedStream {
  options: GeneratorOptions;
  accounts: DirectoryAccount[];
  /** Events for findings open before the window, ingested first and not measured. */
  prime: StreamEvent[];
  events: StreamEvent[];
  window: { start: string; end: string };
  /** Fraction of the organization's entities materialized. */
  sampleFraction: number;
  /** The whole organization's volume in the model, per day (what a month costs is derived from it). */
  orgEventsPerDay: Record<SourceKind, number>;
  /** Finding events (heartbeats left out) per account-Region per day in the whole organization: Security Hub's free tier is per account-Region. */
  orgFindingEventsPerAccountRegionPerDay: Record<string, number>;
  /** Corpus files each source was cloned from. */
  templates: Record<SourceKind, number>;
}

// ------------------------------------------------------------------ organization

/** Team names in owner-team tags: the four teams config/vigil.yaml configures, then others (unconfigured). */
const TAG_TEAMS = [
  'security', 'payments', 'platform', 'data',
  'checkout', 'search', 'identity', 'mobile', 'growth', 'ledger', 'fraud', 'catalog', 'pricing', 'shipping',
  'billing', 'ml-platform', 'analytics', 'marketing', 'support', 'partners', 'risk', 'notifications', 'media',
  'maps', 'loyalty', 'inventory', 'orders', 'reviews', 'ads', 'edge', 'storage', 'observability', 'devex',
  'compliance', 'hr-systems', 'finance-apps', 'crm', 'warehouse', 'iot', 'gaming',
] as const;

const WORKLOAD_OUS = ['/Root/Workloads/Apps', '/Root/Workloads/Commerce', '/Root/Workloads/Internal', '/Root/Workloads/Media'];

interface OrgAccount extends DirectoryAccount {
  /** Relative activity (log-normal, mean 1): some production accounts are far noisier. */
  weight: number;
}

/** Zipf-like team sizes: a few big teams, a long tail. */
function tagTeam(rng: Rng): string {
  return rng.weighted(TAG_TEAMS.map((team, i) => [team, 1 / (i + 2)] as const));
}

export function generateOrganization(seed: number, count: number): OrgAccount[] {
  const rng = Rng.for(seed, 'organization');
  const ids = new Set<string>();
  const accounts: OrgAccount[] = [];
  while (accounts.length < count) {
    const id = rng.digits(12);
    if (ids.has(id)) continue;
    ids.add(id);
    const i = accounts.length;
    const ou = rng.weighted<string>([
      ['/Root/Security', 2],
      ['/Root/Platform', 6],
      ['/Root/Sandbox', 12],
      ['/Root/Workloads/Payments', 14],
      ['/Root/Workloads/Data', 14],
      ['WORKLOADS', 52],
    ]);
    const ouPath = ou === 'WORKLOADS' ? rng.pick(WORKLOAD_OUS) : ou;
    const tagged = ouPath.startsWith('/Root/Workloads/') && !ouPath.endsWith('Payments') && !ouPath.endsWith('Data') ? rng.chance(0.8) : ouPath === '/Root/Sandbox' ? rng.chance(0.2) : rng.chance(0.4);
    const environment = rng.weighted<string>([['production', 4], ['staging', 3], ['development', 3]]);
    const tags: Record<string, string> = { environment };
    if (tagged) tags['owner-team'] = tagTeam(rng);
    const weight = Math.exp(rng.normal() * 0.9 - 0.405);
    accounts.push({
      id,
      name: `acct-${String(i).padStart(4, '0')}-${environment}`,
      email: `aws+acct-${String(i).padStart(4, '0')}@example.com`,
      status: rng.chance(0.02) ? 'SUSPENDED' : 'ACTIVE',
      ouPath,
      tags,
      weight,
    });
  }
  return accounts;
}

// ------------------------------------------------------------------ timelines

interface Occurrence {
  kind: SourceKind;
  entity: string;
  time: number;
  /** Builds the EventBridge event (called only for materialized entities). */
  build: (rng: Rng) => Json;
  burst?: boolean;
}

interface Entity {
  kind: SourceKind;
  key: string;
  occurrences: Occurrence[];
  /** The event that stands for the finding's state before the window, if it was open then. */
  prime?: Occurrence;
}

const iso = (ms: number) => new Date(ms).toISOString();
const isoSeconds = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** Replaces every occurrence of the template's account and Region in a JSON document. */
function rehome(value: unknown, from: { account?: string; region?: string }, to: { account: string; region: string }): Json {
  let text = JSON.stringify(value);
  if (from.account && /^\d{12}$/.test(from.account)) text = text.split(from.account).join(to.account);
  if (from.region) text = text.split(from.region).join(to.region);
  return JSON.parse(text) as Json;
}

function envelope(template: Json, rng: Rng, at: number, account: string, region: string, detail: Json, resources?: string[]): Json {
  const event = clone(template);
  event.id = rng.uuid();
  event.time = isoSeconds(at);
  event.account = account;
  event.region = region;
  event.detail = detail;
  if (resources) event.resources = resources;
  return event;
}

// GuardDuty ----------------------------------------------------------------

/** Where each GuardDuty resource type keeps the ids that make one resource differ from another. */
function varyGuardDutyResource(resource: Json | undefined, rng: Rng, account: string, region: string): void {
  if (!resource) return;
  const type = String(resource.resourceType);
  const each = (value: unknown, fn: (o: Json) => void) => (Array.isArray(value) ? value.forEach((o) => fn(o as Json)) : value && typeof value === 'object' ? fn(value as Json) : undefined);
  if (type === 'Instance') each(resource.instanceDetails, (d) => (d.instanceId = `i-${rng.hex(17)}`));
  if (type === 'AccessKey')
    each(resource.accessKeyDetails, (d) => {
      d.accessKeyId = `ASIA${rng.upper(16)}`;
      d.principalId = `AIDA${rng.upper(17)}`;
      d.userName = `svc-${rng.hex(6)}`;
    });
  if (type === 'S3Bucket')
    each(resource.s3BucketDetails, (d) => {
      d.name = `data-${rng.hex(10)}`;
      d.arn = `arn:aws:s3:::${String(d.name)}`;
    });
  if (type === 'EKSCluster' || type === 'ECSCluster') {
    const key = type === 'EKSCluster' ? 'eksClusterDetails' : 'ecsClusterDetails';
    each(resource[key], (d) => {
      d.name = `cluster-${rng.hex(6)}`;
      d.arn = `arn:aws:${type === 'EKSCluster' ? 'eks' : 'ecs'}:${region}:${account}:cluster/${String(d.name)}`;
    });
  }
  if (type === 'Container') each(resource.containerDetails, (d) => (d.id = rng.hex(64)));
}

function guardDutyEntities(seed: number, accounts: OrgAccount[], regions: GeneratorOptions['regions'], o: GeneratorOptions, corpus: Corpus): Entity[] {
  // One template per finding type: the corpus repeats some findings (severity variants).
  const byType = new Map<string, CorpusTemplate>();
  for (const t of corpus.guardduty) byType.set(String((t.event.detail as Json).type), byType.get(String((t.event.detail as Json).type)) ?? t);
  const templates = [...byType.values()];
  const start = Date.parse(o.start);
  const end = start + o.days * DAY;
  const period = o.rates.guarddutyPublishHours * HOUR;
  const entities: Entity[] = [];
  for (const account of accounts) {
    for (const [region, regionWeight] of regions) {
      const rng = Rng.for(seed, 'gd', account.id, region);
      const activity = account.weight * regionWeight * regions.length;
      const detectorId = rng.hex(32);
      const phase = rng.next() * period;
      const recurring = rng.poisson(o.rates.guarddutyActiveFindings * activity);
      const fresh = rng.poisson(o.rates.guarddutyNewPerDay * o.days * activity);
      for (let f = 0; f < recurring + fresh; f++) {
        const preexisting = f < recurring;
        const template = rng.pick(templates);
        const findingId = rng.hex(32);
        const key = `gd:${account.id}:${region}:${findingId}`;
        const createdAt = preexisting ? start - rng.between(1, 40) * DAY : start + rng.next() * o.days * DAY;
        let count = preexisting ? 1 + rng.poisson(40) : 1;
        const resourceSeed = rng.int(2 ** 31);
        const archiveAt = rng.chance(o.rates.guarddutyArchivedPerDay * o.days) ? start + rng.next() * o.days * DAY : Infinity;
        const build = (at: number, c: number, archived: boolean) => (r: Rng) => {
          const detail = rehome(template.event.detail, { account: String((template.event.detail as Json).accountId), region: String((template.event.detail as Json).region) }, { account: account.id, region });
          detail.id = findingId;
          detail.arn = `arn:aws:guardduty:${region}:${account.id}:detector/${detectorId}/finding/${findingId}`;
          detail.createdAt = iso(createdAt);
          detail.updatedAt = iso(at - r.between(0, 20) * MINUTE);
          const service = (detail.service ?? {}) as Json;
          service.count = c;
          service.detectorId = detectorId;
          service.eventFirstSeen = iso(createdAt);
          service.eventLastSeen = detail.updatedAt;
          service.archived = archived;
          // The corpus's GuardDuty events are AWS sample findings; a live finding is not.
          if (service.additionalInfo && typeof service.additionalInfo === 'object') (service.additionalInfo as Json).sample = false;
          detail.service = service;
          varyGuardDutyResource(detail.resource as Json | undefined, new Rng(resourceSeed), account.id, region);
          return envelope(template.event, r, at, account.id, region, detail, []);
        };
        const entity: Entity = { kind: 'guardduty', key, occurrences: [] };
        if (preexisting) {
          // Its last publication before the window.
          const primeAt = start - rng.next() * period;
          entity.prime = { kind: 'guardduty', entity: key, time: primeAt, build: build(primeAt, count, false) };
        } else {
          // GuardDuty publishes a new finding within about five minutes.
          const firstAt = createdAt + rng.between(1, 5) * MINUTE;
          if (firstAt < end) entity.occurrences.push({ kind: 'guardduty', entity: key, time: firstAt, build: build(firstAt, count, false) });
        }
        // Every period, on the detector's schedule, if there were new occurrences.
        for (let at = start + phase; at < end; at += period) {
          if (at <= createdAt + 5 * MINUTE) continue;
          if (at >= archiveAt) {
            entity.occurrences.push({ kind: 'guardduty', entity: key, time: archiveAt, build: build(archiveAt, count, true) });
            break;
          }
          if (!rng.chance(o.rates.guarddutyRecurrence)) continue;
          count += 1 + rng.poisson(3);
          entity.occurrences.push({ kind: 'guardduty', entity: key, time: at, build: build(at, count, false) });
        }
        entities.push(entity);
      }
    }
  }
  return entities;
}

// Config -------------------------------------------------------------------

function configResourceId(type: string, account: string, rng: Rng): string {
  if (type === 'AWS::::Account') return account;
  if (type === 'AWS::Logs::LogGroup') return `/aws/lambda/${rng.pick(['orders', 'billing', 'search', 'auth', 'etl', 'api', 'worker'])}-${rng.hex(8)}`;
  if (type === 'AWS::Lambda::Function') return `${rng.pick(['orders', 'billing', 'search', 'auth', 'etl', 'api'])}-fn-${rng.hex(8)}`;
  return `${type.split('::').pop()?.toLowerCase() ?? 'resource'}-${rng.hex(10)}`;
}

interface ConfigEvaluation {
  key: string;
  template: CorpusTemplate;
  ruleName: string;
  resourceId: string;
  state: 'NON_COMPLIANT' | 'COMPLIANT';
}

function buildConfig(e: ConfigEvaluation, account: string, region: string, at: number, next: string, previous: string | undefined): (r: Rng) => Json {
  return (r) => {
    const t = e.template.event.detail as Json;
    const detail = rehome(t, { account: String(t.awsAccountId), region: String(t.awsRegion) }, { account, region });
    const templateRule = String(t.configRuleName);
    detail.configRuleName = e.ruleName;
    if (typeof detail.configRuleARN === 'string') detail.configRuleARN = detail.configRuleARN.replace(templateRule, e.ruleName);
    detail.resourceId = e.resourceId;
    detail.notificationCreationTime = iso(at);
    const evaluation = (x: unknown, compliance: string, when: number): Json => {
      const result = clone((x ?? {}) as Json);
      const identifier = (result.evaluationResultIdentifier ?? {}) as Json;
      identifier.evaluationResultQualifier = { configRuleName: e.ruleName, resourceType: detail.resourceType, resourceId: e.resourceId };
      identifier.orderingTimestamp = iso(when);
      result.evaluationResultIdentifier = identifier;
      result.complianceType = compliance;
      result.resultRecordedTime = iso(when + 1_000);
      result.configRuleInvokedTime = iso(when - 2_000);
      if ('annotation' in result) delete result.annotation;
      return result;
    };
    detail.newEvaluationResult = evaluation(t.newEvaluationResult, next, at - r.between(5, 60) * 1000);
    if (previous) detail.oldEvaluationResult = evaluation(t.oldEvaluationResult ?? t.newEvaluationResult, previous, at - r.between(1, 20) * DAY);
    else delete detail.oldEvaluationResult;
    return envelope(e.template.event, r, at, account, region, detail, []);
  };
}

function configEntities(seed: number, accounts: OrgAccount[], regions: GeneratorOptions['regions'], o: GeneratorOptions, corpus: Corpus): Entity[] {
  const start = Date.parse(o.start);
  const end = start + o.days * DAY;
  const entities = new Map<string, Entity>();
  const entityOf = (key: string) => {
    let e = entities.get(key);
    if (!e) entities.set(key, (e = { kind: 'config', key, occurrences: [] }));
    return e;
  };
  const templates = corpus.config;
  // The rollout burst: a conformance pack with one more rule deployed to the organization.
  const burstRng = Rng.for(seed, 'config-burst');
  const burstTemplate = burstRng.pick(templates.filter((t) => (t.event.detail as Json).resourceType !== 'AWS::::Account'));
  const burstRule = String((burstTemplate.event.detail as Json).configRuleName).replace(/-conformance-pack-[a-z0-9]+$/i, `-conformance-pack-${burstRng.hex(9)}`);
  const burstAt = start + burstRng.between(0.35, 0.65) * o.days * DAY;

  for (const account of accounts) {
    for (const [region, regionWeight] of regions) {
      const rng = Rng.for(seed, 'config', account.id, region);
      const activity = account.weight * regionWeight * regions.length;
      const open: ConfigEvaluation[] = [];
      const resolved: ConfigEvaluation[] = [];
      const newEvaluation = (state: ConfigEvaluation['state']): ConfigEvaluation => {
        const template = rng.pick(templates);
        const t = template.event.detail as Json;
        const resourceId = configResourceId(String(t.resourceType), account.id, rng);
        const ruleName = String(t.configRuleName);
        return { key: `cfg:${account.id}:${region}:${ruleName}:${resourceId}`, template, ruleName, resourceId, state };
      };
      const initial = rng.poisson(o.rates.configOpenEvaluations * activity);
      for (let i = 0; i < initial; i++) {
        const e = newEvaluation('NON_COMPLIANT');
        if (entities.has(e.key)) continue;
        const primeAt = start - rng.between(0.5, 30) * DAY;
        entityOf(e.key).prime = { kind: 'config', entity: e.key, time: primeAt, build: buildConfig(e, account.id, region, primeAt, 'NON_COMPLIANT', 'COMPLIANT') };
        open.push(e);
      }
      // Compliance changes: a Poisson process over the window.
      const rate = o.rates.configChangesPerDay * activity;
      for (let at = start + rng.exp(DAY / Math.max(rate, 1e-9)); at < end && rate > 0; at += rng.exp(DAY / rate)) {
        const what = rng.weighted<string>([['new-failing', 35], ['new-passing', 25], ['resolve', 25], ['reopen', 15]]);
        if (what === 'resolve' && open.length > 0) {
          const e = open.splice(rng.int(open.length), 1)[0]!;
          e.state = 'COMPLIANT';
          resolved.push(e);
          entityOf(e.key).occurrences.push({ kind: 'config', entity: e.key, time: at, build: buildConfig(e, account.id, region, at, 'COMPLIANT', 'NON_COMPLIANT') });
        } else if (what === 'reopen' && resolved.length > 0) {
          const e = resolved.splice(rng.int(resolved.length), 1)[0]!;
          e.state = 'NON_COMPLIANT';
          open.push(e);
          entityOf(e.key).occurrences.push({ kind: 'config', entity: e.key, time: at, build: buildConfig(e, account.id, region, at, 'NON_COMPLIANT', 'COMPLIANT') });
        } else {
          const failing = what !== 'new-passing';
          const e = newEvaluation(failing ? 'NON_COMPLIANT' : 'COMPLIANT');
          if (entities.has(e.key)) continue;
          (failing ? open : resolved).push(e);
          entityOf(e.key).occurrences.push({ kind: 'config', entity: e.key, time: at, build: buildConfig(e, account.id, region, at, e.state, undefined) });
        }
      }
      // The burst: every account-Region evaluates its resources of the new rule within the hour.
      if (o.rates.configBurstResources > 0 && account.status === 'ACTIVE') {
        const wave = burstAt + rng.next() * 45 * MINUTE;
        const n = rng.poisson(o.rates.configBurstResources * activity);
        for (let i = 0; i < n; i++) {
          const t = burstTemplate.event.detail as Json;
          const resourceId = configResourceId(String(t.resourceType), account.id, rng);
          const e: ConfigEvaluation = { key: `cfg:${account.id}:${region}:${burstRule}:${resourceId}`, template: burstTemplate, ruleName: burstRule, resourceId, state: rng.chance(0.3) ? 'NON_COMPLIANT' : 'COMPLIANT' };
          const at = wave + rng.next() * 15 * MINUTE;
          entityOf(e.key).occurrences.push({ kind: 'config', entity: e.key, time: at, build: buildConfig(e, account.id, region, at, e.state, undefined), burst: true });
        }
      }
    }
  }
  return [...entities.values()];
}

// CloudTrail ---------------------------------------------------------------

function cloudTrailEntities(seed: number, accounts: OrgAccount[], regions: GeneratorOptions['regions'], o: GeneratorOptions, corpus: Corpus): Entity[] {
  const start = Date.parse(o.start);
  const end = start + o.days * DAY;
  // Calls the detections flag three times as often as those they look at and let pass.
  const weighted = corpus.cloudtrail.map((t) => [t, t.yields === 'findings' ? 3 : 1] as const);
  const entities: Entity[] = [];
  for (const account of accounts) {
    for (const [region, regionWeight] of regions) {
      const rng = Rng.for(seed, 'ct', account.id, region);
      const activity = account.weight * regionWeight * regions.length;
      // A few habitual callers per account-Region (the same principal, the same call).
      const habits = 1 + rng.poisson(1.5);
      for (let h = 0; h < habits; h++) {
        const template = rng.weighted(weighted);
        const key = `ct:${account.id}:${region}:${template.origin}`;
        const rate = (o.rates.cloudtrailPerDay * activity) / habits;
        const entity: Entity = { kind: 'cloudtrail', key, occurrences: [] };
        for (let at = start + rng.exp(DAY / Math.max(rate, 1e-9)); at < end && rate > 0; at += rng.exp(DAY / rate)) {
          const time = at;
          entity.occurrences.push({
            kind: 'cloudtrail',
            entity: key,
            time,
            build: (r) => {
              const t = template.event.detail as Json;
              const from = { account: String(t.recipientAccountId ?? template.event.account), region: String(t.awsRegion ?? template.event.region) };
              const detail = rehome(t, from, { account: account.id, region });
              // Live records always name the account that received the call (some fixtures are sanitized).
              detail.recipientAccountId = account.id;
              detail.eventTime = isoSeconds(time);
              detail.eventID = r.uuid();
              detail.requestID = r.uuid();
              return envelope(template.event, r, time, account.id, region, detail);
            },
          });
        }
        if (entity.occurrences.length) entities.push(entity);
      }
    }
  }
  return entities;
}

// Security Hub -------------------------------------------------------------

function securityHubBuild(template: CorpusTemplate, account: string, region: string, findingSeed: number, createdAt: number, at: number, status: 'FAILED' | 'PASSED'): (r: Rng) => Json {
  return (r) => {
    const t = (template.event.detail as { findings: Json[] }).findings[0]!;
    const fr = new Rng(findingSeed);
    const oldId = String(t.Id);
    const oldResource = String((t.Resources as Json[])[0]!.Id);
    const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
    const newId = uuid.test(oldId) ? oldId.replace(uuid, fr.uuid()) : `${oldId}/${fr.hex(12)}`;
    const tail = oldResource.split(/[/:]/).pop() ?? '';
    const newResource = tail ? `${oldResource.slice(0, oldResource.length - tail.length)}${tail.replace(/[0-9a-f]{6,}|[a-z][a-z0-9-]{3,}$/i, () => `r-${fr.hex(10)}`)}` : `${oldResource}r-${fr.hex(10)}`;
    let text = JSON.stringify(t).split(oldId).join(newId);
    if (oldResource.length > 12) text = text.split(oldResource).join(newResource);
    const from = { account: String(t.AwsAccountId), region: typeof t.Region === 'string' ? t.Region : String(template.event.region) };
    const finding = rehome(JSON.parse(text), from, { account, region });
    finding.Region = region;
    finding.CreatedAt = iso(createdAt);
    finding.FirstObservedAt = iso(createdAt);
    finding.UpdatedAt = iso(at - r.between(0, 10) * MINUTE);
    finding.LastObservedAt = finding.UpdatedAt;
    if (finding.Compliance && typeof finding.Compliance === 'object') (finding.Compliance as Json).Status = status;
    else if (status === 'PASSED') finding.Compliance = { Status: 'PASSED' };
    finding.RecordState = 'ACTIVE';
    const resources = [`${String(finding.ProductArn)}/${String(finding.Id)}`];
    return envelope(template.event, r, at, account, region, { findings: [finding] }, resources);
  };
}

function securityHubEntities(seed: number, accounts: OrgAccount[], regions: GeneratorOptions['regions'], o: GeneratorOptions, corpus: Corpus): Entity[] {
  const start = Date.parse(o.start);
  const end = start + o.days * DAY;
  const templates = corpus.securityhub;
  const entities: Entity[] = [];
  for (const account of accounts) {
    for (const [region, regionWeight] of regions) {
      const rng = Rng.for(seed, 'sh', account.id, region);
      const activity = account.weight * regionWeight * regions.length;
      // Security Hub re-evaluates and re-imports on its own daily schedule per account-Region.
      const checkPhase = rng.next() * DAY;
      const open = rng.poisson(o.rates.securityhubOpenFindings * activity);
      const fresh = rng.poisson(o.rates.securityhubNewPerDay * o.days * activity);
      const passed = rng.poisson(o.rates.securityhubPassedPerDay * o.days * activity);
      for (let i = 0; i < open + fresh + passed; i++) {
        const template = rng.pick(templates);
        const findingSeed = rng.int(2 ** 31);
        const key = `sh:${account.id}:${region}:${findingSeed}`;
        const entity: Entity = { kind: 'securityhub', key, occurrences: [] };
        if (i >= open + fresh) {
          const at = start + rng.next() * o.days * DAY;
          entity.occurrences.push({ kind: 'securityhub', entity: key, time: at, build: securityHubBuild(template, account.id, region, findingSeed, at - DAY, at, 'PASSED') });
          entities.push(entity);
          continue;
        }
        const preexisting = i < open;
        const createdAt = preexisting ? start - rng.between(1, 60) * DAY : start + rng.next() * o.days * DAY;
        const resolveAt = rng.chance(0.1 * o.days) ? start + rng.next() * o.days * DAY : Infinity;
        if (preexisting) {
          const primeAt = start - ((start - checkPhase) % DAY) - rng.next() * HOUR;
          entity.prime = { kind: 'securityhub', entity: key, time: primeAt, build: securityHubBuild(template, account.id, region, findingSeed, createdAt, primeAt, 'FAILED') };
        } else {
          entity.occurrences.push({ kind: 'securityhub', entity: key, time: createdAt, build: securityHubBuild(template, account.id, region, findingSeed, createdAt, createdAt, 'FAILED') });
        }
        for (let at = start + checkPhase; at < end; at += DAY) {
          if (at <= createdAt) continue;
          const resolved = at >= resolveAt;
          entity.occurrences.push({ kind: 'securityhub', entity: key, time: at, build: securityHubBuild(template, account.id, region, findingSeed, createdAt, at, resolved ? 'PASSED' : 'FAILED') });
          if (resolved) break;
        }
        entities.push(entity);
      }
    }
  }
  return entities;
}

// Heartbeats ---------------------------------------------------------------

function heartbeatEntities(seed: number, accounts: OrgAccount[], regions: GeneratorOptions['regions'], o: GeneratorOptions, corpus: Corpus): Entity[] {
  const start = Date.parse(o.start);
  const end = start + o.days * DAY;
  const template = corpus.heartbeat[0]!;
  const every = HOUR / o.rates.heartbeatsPerHour;
  const entities: Entity[] = [];
  for (const account of accounts) {
    if (account.status !== 'ACTIVE') continue;
    for (const [region] of regions) {
      const rng = Rng.for(seed, 'hb', account.id, region);
      const key = `hb:${account.id}:${region}`;
      const entity: Entity = { kind: 'heartbeat', key, occurrences: [] };
      for (let at = start + rng.next() * every; at < end; at += every) {
        const time = at;
        entity.occurrences.push({
          kind: 'heartbeat',
          entity: key,
          time,
          build: (r) => {
            const event = rehome(template.event, { account: String(template.event.account), region: String(template.event.region) }, { account: account.id, region });
            event.id = r.uuid();
            event.time = isoSeconds(time);
            return event;
          },
        });
      }
      entities.push(entity);
    }
  }
  return entities;
}

// ------------------------------------------------------------------ the stream

export function generateStream(options: Partial<GeneratorOptions> = {}, corpus: Corpus = loadCorpus()): GeneratedStream {
  const o: GeneratorOptions = { ...DEFAULT_OPTIONS, ...options, rates: { ...DEFAULT_RATES, ...options.rates } };
  const accounts = generateOrganization(o.seed, o.accounts);
  const start = Date.parse(o.start);
  const end = start + o.days * DAY;
  const all: Entity[] = [
    ...guardDutyEntities(o.seed, accounts, o.regions, o, corpus),
    ...configEntities(o.seed, accounts, o.regions, o, corpus),
    ...cloudTrailEntities(o.seed, accounts, o.regions, o, corpus),
    ...securityHubEntities(o.seed, accounts, o.regions, o, corpus),
    ...heartbeatEntities(o.seed, accounts, o.regions, o, corpus),
  ];
  const orgEventsPerDay = Object.fromEntries(SOURCE_KINDS.map((k) => [k, 0])) as Record<SourceKind, number>;
  const perAccountRegion: Record<string, number> = {};
  let total = 0;
  for (const e of all) {
    const inWindow = e.occurrences.filter((x) => x.time >= start && x.time < end).length;
    orgEventsPerDay[e.kind] += inWindow / o.days;
    total += inWindow;
    if (e.kind !== 'heartbeat') {
      const [, account, region] = e.key.split(':');
      perAccountRegion[`${account}:${region}`] = (perAccountRegion[`${account}:${region}`] ?? 0) + inWindow / o.days;
    }
  }
  // Duplicates add events too; cut a little above the target, then at it.
  const sampleFraction = Math.min(1, (1.06 * o.events) / (total * (1 + o.duplicateRate)));
  const kept = all.filter((e) => Rng.for(o.seed, 'sample', e.key).next() < sampleFraction);

  const events: StreamEvent[] = [];
  for (const entity of kept) {
    const rng = Rng.for(o.seed, 'materialize', entity.key);
    for (const occ of entity.occurrences) {
      const body = JSON.stringify(occ.build(rng));
      const late = rng.chance(o.lateRate);
      // EventBridge → SQS: a few seconds; a late one anywhere from minutes to two hours.
      const arrival = occ.time + (late ? rng.between(5, 120) * MINUTE : rng.between(0.5, 4) * 1000);
      const event: StreamEvent = { seq: 0, kind: occ.kind, entity: entity.key, eventTime: occ.time, arrivalTime: arrival, body, ...(late ? { late } : {}), ...(occ.burst ? { burst: true } : {}) };
      events.push(event);
      if (rng.chance(o.duplicateRate)) events.push({ ...event, arrivalTime: arrival + rng.between(1, 300) * 1000, duplicate: true });
    }
  }
  events.sort((a, b) => a.arrivalTime - b.arrivalTime || a.entity.localeCompare(b.entity));
  const window = events.filter((e) => e.arrivalTime < end).slice(0, o.events);
  window.forEach((e, i) => (e.seq = i));
  const inWindow = new Set(window.map((e) => e.entity));
  const prime: StreamEvent[] = kept
    .filter((e) => e.prime && inWindow.has(e.key))
    .map((e) => {
      const p = e.prime!;
      return { seq: 0, kind: p.kind, entity: e.key, eventTime: p.time, arrivalTime: p.time + 2000, body: JSON.stringify(p.build(Rng.for(o.seed, 'prime', e.key))) };
    })
    .sort((a, b) => a.arrivalTime - b.arrivalTime);
  prime.forEach((e, i) => (e.seq = i - prime.length));

  const templates = {
    guardduty: new Set(corpus.guardduty.map((t) => String((t.event.detail as Json).type))).size,
    config: corpus.config.length,
    cloudtrail: corpus.cloudtrail.length,
    securityhub: corpus.securityhub.length,
    heartbeat: corpus.heartbeat.length,
  };
  const last = window[window.length - 1];
  return {
    options: o,
    accounts: accounts.map(({ weight: _weight, ...a }) => a),
    prime,
    events: window,
    window: { start: o.start, end: iso(last ? Math.min(end, last.arrivalTime) : end) },
    sampleFraction,
    orgEventsPerDay,
    orgFindingEventsPerAccountRegionPerDay: perAccountRegion,
    templates,
  };
}

/** What the stream holds, for the report. */
export function describeStream(stream: GeneratedStream) {
  const byKind = Object.fromEntries(SOURCE_KINDS.map((k) => [k, stream.events.filter((e) => e.kind === k).length]));
  return {
    events: stream.events.length,
    primeEvents: stream.prime.length,
    byKind,
    duplicates: stream.events.filter((e) => e.duplicate).length,
    late: stream.events.filter((e) => e.late).length,
    burst: stream.events.filter((e) => e.burst).length,
    entities: new Set(stream.events.map((e) => e.entity)).size,
    accountsSeen: new Set(stream.events.map((e) => (JSON.parse(e.body) as { account: string }).account)).size,
    meanBodyBytes: Math.round(stream.events.reduce((s, e) => s + Buffer.byteLength(e.body), 0) / Math.max(1, stream.events.length)),
    maxBodyBytes: stream.events.reduce((m, e) => Math.max(m, Buffer.byteLength(e.body)), 0),
    window: stream.window,
    sampleFraction: Number(stream.sampleFraction.toFixed(4)),
    orgEventsPerDay: Object.fromEntries(Object.entries(stream.orgEventsPerDay).map(([k, v]) => [k, Math.round(v)])),
    corpusTemplates: stream.templates,
  };
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

if (process.argv[1]?.endsWith('generate.ts')) {
  const args = process.argv.slice(2);
  const stream = generateStream({
    seed: Number(flag(args, 'seed') ?? DEFAULT_OPTIONS.seed),
    events: Number(flag(args, 'events') ?? DEFAULT_OPTIONS.events),
  });
  const out = flag(args, 'out');
  if (out) {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(stream));
  }
  console.log(JSON.stringify(describeStream(stream), null, 2));
}
