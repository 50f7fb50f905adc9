import * as z from 'zod';
import { SEVERITIES, STATUSES, severityRank, type FindingSource, type Severity, type Status } from '../finding.js';
import { FINDING_SOURCES } from '../finding.js';
import { TEAM_PATTERN } from './caller.js';
import { InvalidParameterError } from './errors.js';


export { TEAM_PATTERN };
export const ACCOUNT_PATTERN = /^\d{12}$/;

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 100;

/**
 * What `GET /findings` may be filtered by. Every field is optional; given ones are ANDed,
 * the values of a list field are ORed. `since`/`until` bound lastSeen as the indexes
 * see it (lastSeenIdx), both inclusive, as canonical ISO-8601 with milliseconds.
 */
export interface FindingFilter {
  team?: string;
  account?: string;
  /** From `severity` (a list) or `minSeverity` (that severity and above), lowest first. */
  severities?: Severity[];
  statuses?: Status[];
  sources?: FindingSource[];
  rule?: string;
  /** AWS Regions the findings are in (`region=eu-west-1,us-east-1`). */
  regions?: string[];
  since?: string;
  until?: string;
}

export interface ListRequest {
  filter: FindingFilter;
  limit: number;
  cursor?: string;
}

/** Query parameters as received: every value of each name (repeated or not). */
export type QueryParameters = Record<string, string[]>;

const LIST_PARAMETERS = ['team', 'account', 'severity', 'minSeverity', 'status', 'source', 'rule', 'region', 'since', 'until', 'limit', 'cursor'] as const;
/** Parameters that take a list: repeated (`status=OPEN&status=NOTIFIED`) or comma-separated. */
const LIST_VALUED = new Set(['severity', 'status', 'source', 'region']);
/** An AWS Region name: `us-east-1`, `eu-central-2`, `us-gov-west-1`, `ap-southeast-5`. */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

const csvOf = <T extends string>(values: readonly T[]) =>
  z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim()))
    .pipe(z.array(z.enum(values as unknown as [T, ...T[]], { error: () => `expected a comma-separated list of ${values.join(', ')}` })).min(1))
    .transform((list) => [...new Set(list)]);

const timestamp = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/, 'expected an ISO-8601 date-time with a zone, e.g. 2025-01-31T00:00:00Z')
  .transform((s, ctx) => {
    const ms = Date.parse(s);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: 'not a valid date-time' });
      return z.NEVER;
    }
    return new Date(ms).toISOString();
  });

const ListSchema = z
  .object({
    team: z.string().regex(TEAM_PATTERN, 'expected a team name: lowercase letters, digits and hyphens').optional(),
    account: z.string().regex(ACCOUNT_PATTERN, 'expected a 12-digit AWS account id').optional(),
    severity: csvOf(SEVERITIES).optional(),
    minSeverity: z.enum(SEVERITIES, { error: () => `expected one of ${SEVERITIES.join(', ')}` }).optional(),
    status: csvOf(STATUSES).optional(),
    source: csvOf(FINDING_SOURCES as readonly FindingSource[]).optional(),
    rule: z.string().min(1).max(256).optional(),
    region: z
      .string()
      .transform((s) => s.split(',').map((v) => v.trim()))
      .pipe(z.array(z.string().regex(REGION_PATTERN, 'expected a comma-separated list of AWS Regions, e.g. us-east-1,eu-west-1')).min(1).max(32))
      .transform((list) => [...new Set(list)].sort())
      .optional(),
    since: timestamp.optional(),
    until: timestamp.optional(),
    limit: z
      .string()
      .regex(/^\d+$/, `expected an integer from 1 to ${MAX_PAGE_LIMIT}`)
      .transform(Number)
      .pipe(z.number().int().min(1, `expected an integer from 1 to ${MAX_PAGE_LIMIT}`).max(MAX_PAGE_LIMIT, `expected an integer from 1 to ${MAX_PAGE_LIMIT}`))
      .optional(),
    cursor: z.string().min(1).max(4096).regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'not a cursor this API issued').optional(),
  })
  .strict();

/**
 * Parses and validates `GET /findings` parameters. Throws {@link InvalidParameterError}
 * naming the first offending parameter: unknown names, repeated single-valued ones,
 * values out of their domain, `severity` with `minSeverity`, `until` before `since`.
 */
export function parseListRequest(params: QueryParameters): ListRequest {
  const flat: Record<string, string> = {};
  for (const [name, values] of Object.entries(params)) {
    if (!(LIST_PARAMETERS as readonly string[]).includes(name)) throw new InvalidParameterError(name, `unknown parameter; expected one of ${LIST_PARAMETERS.join(', ')}`);
    if (values.length > 1 && !LIST_VALUED.has(name)) throw new InvalidParameterError(name, 'given more than once');
    flat[name] = values.join(',');
  }
  const parsed = ListSchema.safeParse(flat);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidParameterError(String(issue.path[0] ?? 'query'), issue.message);
  }
  const p = parsed.data;
  if (p.severity && p.minSeverity) throw new InvalidParameterError('minSeverity', 'use severity or minSeverity, not both');
  if (p.since && p.until && p.until < p.since) throw new InvalidParameterError('until', 'is before since');

  const filter: FindingFilter = {};
  if (p.team) filter.team = p.team;
  if (p.account) filter.account = p.account;
  const severities = p.severity ?? (p.minSeverity ? SEVERITIES.filter((s) => severityRank(s) >= severityRank(p.minSeverity!)) : undefined);
  if (severities) filter.severities = [...severities].sort((a, b) => severityRank(a) - severityRank(b));
  if (p.status) filter.statuses = [...p.status].sort((a, b) => STATUSES.indexOf(a) - STATUSES.indexOf(b));
  if (p.source) filter.sources = [...p.source].sort();
  if (p.rule) filter.rule = p.rule;
  if (p.region) filter.regions = p.region;
  if (p.since) filter.since = p.since;
  if (p.until) filter.until = p.until;
  return { filter, limit: p.limit ?? DEFAULT_PAGE_LIMIT, ...(p.cursor ? { cursor: p.cursor } : {}) };
}

/**
 * The filter as one stable string: same meaning, same string (`minSeverity=HIGH` and
 * `severity=CRITICAL,HIGH` agree). A cursor is bound to it.
 */
export function canonicalFilter(filter: FindingFilter): string {
  const keys = Object.keys(filter).sort() as Array<keyof FindingFilter>;
  return JSON.stringify(keys.filter((k) => filter[k] !== undefined).map((k) => [k, filter[k]]));
}

/** Query parameters from a raw query string, every value of each name kept. */
export function queryParameters(search: URLSearchParams): QueryParameters {
  const out: QueryParameters = {};
  for (const [name, value] of search) (out[name] ??= []).push(value);
  return out;
}
