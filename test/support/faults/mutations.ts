import { rng } from '../findings-generator.js';

/** How a corpus event was spoiled (`good`: not at all). */
export const MUTATION_KINDS = [
  'good',
  'field-removed',
  'wrong-type',
  'truncated-json',
  'oversized',
  'unknown-detail-type',
  'account-outside-organization',
  'timestamp-far-past',
  'timestamp-far-future',
] as const;
export type MutationKind = (typeof MUTATION_KINDS)[number];

export interface MutatedEvent {
  kind: MutationKind;
  /** Corpus origin of the event it was made from. */
  base: string;
  body: string;
  /** The field removed or retyped, as a validation message names it (`detail.findings.0.Severity`). */
  path?: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = Array<string | number>;

/** Real detail-types and sources Vigil has no normalizer for, and near misses of its own. */
const UNKNOWN_TYPES: Array<[string, string]> = [
  ['aws.ec2', 'EC2 Instance State-change Notification'],
  ['aws.health', 'AWS Health Event'],
  ['aws.macie', 'Macie Finding'],
  ['aws.inspector2', 'Inspector2 Finding'],
  ['aws.access-analyzer', 'Access Analyzer Finding'],
  ['aws.s3', 'Object Created'],
  ['aws.guardduty', 'GuardDuty Findings'],
  ['aws.config', 'Config Configuration Item Change'],
  ['aws.securityhub', 'Security Hub Findings - imported'],
];
const OUTSIDER_CANDIDATES = ['404040404040', '700000000007', '000011112222', '918273645546'];
const ISO_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;

function paths(value: Json, prefix: Path = []): Path[] {
  if (!value || typeof value !== 'object') return [];
  const entries: Array<[string | number, Json]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([key, child]) => [[...prefix, key], ...paths(child, [...prefix, key])]);
}

function parentOf(root: Json, path: Path): { parent: Record<string | number, Json>; key: string | number } {
  let node = root as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>;
  return { parent: node, key: path[path.length - 1]! };
}

/** Every string of the event, rewritten. */
function mapStrings(value: Json, f: (s: string) => string): Json {
  if (typeof value === 'string') return f(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, f)]));
  return value;
}

function wrongTypeFor(value: Json, pick: <T>(list: readonly T[]) => T): Json {
  if (typeof value === 'string') return pick([42, true, null, { value }, [value]]);
  if (typeof value === 'number') return pick([String(value), null, [value], { value }]);
  if (typeof value === 'boolean') return pick([String(value), 1, null]);
  if (Array.isArray(value)) return pick(['list', { items: value.length }, 3, null]);
  if (value === null) return pick([0, 'null', {}]);
  return pick(['object', 7, [], null]);
}

/**
 * Events made from the real corpus by seeded mutations, each labelled with what was
 * done to it: a field removed or given the wrong type (anywhere in the envelope or the
 * detail), the body truncated, padded beyond EventBridge's 256 KB (a few beyond what a
 * quarantine item can hold), an unknown source or detail-type, the organization's
 * accounts replaced by outsiders, every timestamp moved to 2008 or 2096. Unmutated
 * events are mixed in. Half of the events start from `findingBases` (events that make
 * findings), the rest from any of `bases`. The same seed gives the same events.
 */
export function mutateCorpus(bases: ReadonlyArray<{ origin: string; event: Record<string, unknown> }>, options: { count: number; seed: number; organizationAccounts: readonly string[]; findingBases: ReadonlyArray<{ origin: string; event: Record<string, unknown> }> }): MutatedEvent[] {
  const random = rng(options.seed);
  const weights: Array<[MutationKind, number]> = [
    ['good', 20],
    ['field-removed', 20],
    ['wrong-type', 20],
    ['truncated-json', 8],
    ['oversized', 1.2],
    ['unknown-detail-type', 8],
    ['account-outside-organization', 8],
    ['timestamp-far-past', 7],
    ['timestamp-far-future', 7],
  ];
  const organization = new Set(options.organizationAccounts);
  const outsiders = OUTSIDER_CANDIDATES.filter((a) => !organization.has(a));
  const out: MutatedEvent[] = [];
  while (out.length < options.count) {
    // Half of the time an event that makes a finding: most of the corpus is CloudTrail calls no detection matches.
    const base = random.pick(options.findingBases.length && random.next() < 0.5 ? options.findingBases : bases);
    const event = structuredClone(base.event) as Json;
    const kind = random.weighted(weights);
    const done = (body: Json, path?: Path) => out.push({ kind, base: base.origin, body: JSON.stringify(body), ...(path ? { path: path.join('.') } : {}) });
    switch (kind) {
      case 'good':
        done(event);
        break;
      case 'field-removed': {
        const path = random.pick(paths(event).filter((p) => typeof p[p.length - 1] === 'string'));
        const { parent, key } = parentOf(event, path);
        delete parent[key];
        done(event, path);
        break;
      }
      case 'wrong-type': {
        // The whole body of the wrong type now and then: an array, a number, a string, null.
        if (random.next() < 0.03) {
          done(random.pick<Json>([[event], 17, 'GuardDuty Finding', null]), []);
          break;
        }
        const path = random.pick(paths(event));
        const { parent, key } = parentOf(event, path);
        parent[key] = wrongTypeFor(parent[key]!, random.pick);
        done(event, path);
        break;
      }
      case 'truncated-json': {
        const body = JSON.stringify(event);
        out.push({ kind, base: base.origin, body: body.slice(0, random.int(body.length)) });
        break;
      }
      case 'oversized': {
        // Mostly between 256 KB and what a quarantine item holds (350 KB); one in eight beyond.
        const target = random.next() < 0.125 ? 360 * 1024 + random.int(40 * 1024) : 257 * 1024 + random.int(90 * 1024);
        const detail = (event as Record<string, Json>).detail as Record<string, Json>;
        detail.padding = 'x'.repeat(Math.max(0, target - JSON.stringify(event).length - 16));
        done(event);
        break;
      }
      case 'unknown-detail-type': {
        const [source, detailType] = random.pick(UNKNOWN_TYPES);
        Object.assign(event as Record<string, Json>, { source, 'detail-type': detailType });
        done(event);
        break;
      }
      case 'account-outside-organization': {
        const outsider = random.pick(outsiders);
        done(mapStrings(event, (s) => [...organization].reduce((text, account) => text.split(account).join(outsider), s)));
        break;
      }
      case 'timestamp-far-past':
      case 'timestamp-far-future': {
        // Leap years both, so a 29 February stays a valid date.
        const year = kind === 'timestamp-far-past' ? '2008' : '2096';
        done(mapStrings(event, (s) => (ISO_TIME.test(s) ? `${year}${s.slice(4)}` : s)));
        break;
      }
    }
  }
  return out;
}
