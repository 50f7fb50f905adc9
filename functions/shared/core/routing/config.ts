import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import schema from '../../../../config/vigil.schema.json' with { type: 'json' };
import { FINDING_SOURCES, SEVERITIES, type FindingSource, type Severity } from '../finding.js';
import { expiryInstant } from './expiry.js';
import { SourceFile, show, type SourcePath } from './source-file.js';

export { ConfigError, type ConfigProblem } from './source-file.js';

export { FINDING_SOURCES } from '../finding.js';
export { expiryInstant } from './expiry.js';

/**
 * The ownership steps that are switched on. A step that is absent is skipped: routing
 * falls through to the next one.
 */
export interface OwnershipSteps {
  /** 1. The resource's own tag with this key names the team (GuardDuty, Security Hub carry tags). */
  resourceTagKey?: string;
  /** 2. The account's tag in AWS Organizations with this key names the team. */
  accountTagKey?: string;
  /** 3. OU path prefixes, longest first: the first that contains the account's OU wins. */
  ouRules?: OuRule[];
  /** 4. Static account id → team. */
  accounts?: Record<string, string>;
}

export interface OuRule {
  /** An OU path such as `/Root/Workloads/Payments`; it contains itself and every OU below it. */
  prefix: string;
  team: string;
}

export interface TeamConfig {
  slack?: { channel: string; webhookSecretName?: string };
  /** Findings below this severity are recorded for the team, not notified. */
  minSeverity?: Severity;
  quiet?: {
    /** Local time window (`from` may be after `to`: the window then spans midnight). */
    hours?: { from: string; to: string; timezone?: string };
    /** Rule or detection ids muted for the team. */
    rules?: string[];
    /** Findings at or above this severity notify even in quiet hours. */
    exceptMinSeverity?: Severity;
  };
  digest?: 'daily' | 'weekly';
}

/** What a global rule or a suppression looks at. Every condition given must hold. */
export interface RuleMatch {
  source?: FindingSource[];
  severity?: Severity[];
  minSeverity?: Severity;
  accounts?: string[];
  /** The account's OU path is this one or below it. */
  ouPrefix?: string;
  /** The finding's rule (Config rule name, GuardDuty type, Vigil detection id); `*` and `?` are wildcards. */
  rule?: string[];
}

export interface RoutingRule {
  name: string;
  description?: string;
  match: RuleMatch;
  /** Takes the finding from its owner (routedBy `rule:<name>`). */
  routeTo?: string;
  /** Teams told as well as the owner. */
  alsoNotify: string[];
}

export interface SuppressionMatch {
  accounts?: string[];
  ouPrefix?: string;
  /** A tag the resource carries or, when the resource has no tag with that key, the account carries. */
  tag?: { key: string; value: string };
  source?: FindingSource[];
  rule?: string[];
  /** A glob over the resource id or ARN: `*` any run of characters, `?` one character. */
  resourcePattern?: string;
}

export interface Suppression {
  id: string;
  reason: string;
  /** Who answers for the suppression (a person or a team). */
  owner: string;
  /** As written in the file: a date (valid through that day, UTC) or a date-time. */
  expires: string;
  /** The instant it stops applying, ISO 8601 UTC. */
  expiresAt: string;
  match: SuppressionMatch;
}

/** A validated configuration, with ownership steps normalized and lists always lists. */
export interface VigilConfig {
  defaultTeam: string;
  ownership: OwnershipSteps;
  teams: Record<string, TeamConfig>;
  rules: RoutingRule[];
  suppressions: Suppression[];
  staging: string[];
}

/** The configuration as the schema describes it (scalars where lists are also allowed). */
interface RawMatch {
  source?: string | string[];
  severity?: string | string[];
  minSeverity?: string;
  accounts?: string[];
  ouPrefix?: string;
  rule?: string | string[];
  tag?: { key: string; value: string };
  resourcePattern?: string;
}
interface RawConfig {
  defaultTeam: string;
  ownership?: {
    resourceTagKey?: string;
    accountTagKey?: string;
    ouRules?: OuRule[];
    accounts?: Record<string, string>;
    enabled?: { resourceTag?: boolean; accountTag?: boolean; ouRules?: boolean; accounts?: boolean };
  };
  teams: Record<string, Omit<TeamConfig, 'minSeverity' | 'quiet'> & { minSeverity?: string; quiet?: { hours?: { from: string; to: string; timezone?: string }; rules?: string[]; exceptMinSeverity?: string } }>;
  rules?: Array<{ name: string; description?: string; match: RawMatch; routeTo?: string; alsoNotify?: string[] }>;
  suppressions?: Array<{ id: string; reason: string; owner: string; expires: string; match: RawMatch }>;
  staging?: string[];
}

let validator: ValidateFunction | undefined;

/** The schema, compiled once per process (a few milliseconds). */
function validate(data: unknown): ErrorObject[] {
  validator ??= new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true }).compile(schema);
  return validator(data) ? [] : (validator.errors ?? []);
}

/**
 * Parses and checks Vigil's configuration: YAML syntax, duplicate keys, the JSON schema
 * (config/vigil.schema.json), then what a schema cannot say: every team the configuration
 * names exists, severities and sources are known, dates are dates, names are unique.
 *
 * @param text the file's content
 * @param fileName how messages name the file, e.g. `config/vigil.yaml`
 * @throws ConfigError listing every problem as `file:line:col: path: problem`
 */
export function parseVigilConfig(text: string, fileName: string): VigilConfig {
  const file = SourceFile.parse(text, fileName, (path, key) => (path.length === 1 && path[0] === 'teams' ? `team "${key}"` : undefined));
  if (file.problems.some((p) => p.path === '')) file.throwIfProblems();
  const data = file.data();
  const errors = validate(data);
  reportSchemaErrors(file, data, errors);
  if (errors.length > 0) file.throwIfProblems();
  const raw = data as RawConfig;
  checkSemantics(file, raw);
  file.throwIfProblems();
  return normalize(raw);
}

/** Turns ajv's errors into problems at the right place in the file. */
export function reportSchemaErrors(file: SourceFile, data: unknown, errors: readonly ErrorObject[]): void {
  for (const error of errors) {
    if (error.keyword === 'propertyNames' || error.keyword === 'if') continue; // the nested error says it better
    const path = pointerToPath(error.instancePath, data);
    const title = (error.parentSchema as { title?: string } | undefined)?.title;
    const propertyName = (error as ErrorObject & { propertyName?: string }).propertyName;
    if (propertyName !== undefined) {
      file.report([...path, propertyName], `key ${show(propertyName)} is not ${title ?? 'valid'}${numberHint(file, [...path, propertyName], true)}`, { atKey: true });
      continue;
    }
    switch (error.keyword) {
      case 'required':
        file.report(path, `missing "${String(error.params.missingProperty)}"`, { atKey: true });
        break;
      case 'additionalProperties': {
        const property = String(error.params.additionalProperty);
        const known = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
        file.report([...path, property], `unknown property "${property}"${known.length ? ` (expected one of: ${known.join(', ')})` : ''}`, { atKey: true });
        break;
      }
      case 'enum':
        file.report(path, `must be one of ${(error.params.allowedValues as unknown[]).join(', ')}, got ${show(error.data)}`);
        break;
      case 'type':
        file.report(path, `expected ${title ?? `a ${String(error.params.type).replace(',', ' or a ')}`}, got ${describe(error.data)}${numberHint(file, path, false)}`);
        break;
      case 'pattern':
      case 'minLength':
      case 'maxLength':
        file.report(path, `expected ${title ?? 'a value of another form'}, got ${show(error.data)}`);
        break;
      case 'minProperties':
        file.report(path, 'must not be empty: name at least one condition', { atKey: true });
        break;
      case 'minItems':
        file.report(path, `must list at least ${String(error.params.limit)}`, { atKey: true });
        break;
      default:
        file.report(path, error.message ?? `fails ${error.keyword}`);
    }
  }
}

/** `/rules/1/alsoNotify/0` → `['rules', 1, 'alsoNotify', 0]`, indexes as numbers where the data has lists. */
function pointerToPath(pointer: string, data: unknown): Array<string | number> {
  if (!pointer) return [];
  const path: Array<string | number> = [];
  let here: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(here)) {
      path.push(Number(segment));
      here = here[Number(segment)];
    } else {
      path.push(segment);
      here = here && typeof here === 'object' ? (here as Record<string, unknown>)[segment] : undefined;
    }
  }
  return path;
}

/** YAML reads an unquoted account id as a number (and drops its leading zeros): say so. */
function numberHint(file: SourceFile, path: SourcePath, atKey: boolean): string {
  const node = atKey ? file.keyNode(path) : file.node(path);
  const value = node && 'value' in node ? (node as { value: unknown }).value : undefined;
  return typeof value === 'number' ? ' (quote account ids: unquoted, YAML reads a number and drops leading zeros)' : '';
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'number') return `the number ${value}`;
  return show(value);
}

function checkSemantics(file: SourceFile, raw: RawConfig): void {
  const teamNames = Object.keys(raw.teams).sort();
  const team = (path: SourcePath, name: string | undefined) => {
    if (name !== undefined && !Object.hasOwn(raw.teams, name)) file.report(path, `unknown team ${show(name)} (teams: ${teamNames.join(', ')})`);
  };
  const severity = (path: SourcePath, value: string | undefined) => {
    if (value !== undefined && !(SEVERITIES as readonly string[]).includes(value)) file.report(path, `unknown severity ${show(value)} (severities: ${SEVERITIES.join(', ')})`);
  };
  const source = (path: SourcePath, value: string) => {
    if (!(FINDING_SOURCES as readonly string[]).includes(value)) file.report(path, `unknown source ${show(value)} (sources: ${FINDING_SOURCES.join(', ')})`);
  };
  const eachOf = (path: SourcePath, value: string | string[] | undefined, check: (path: SourcePath, value: string) => void) => {
    if (Array.isArray(value)) value.forEach((v, i) => check([...path, i], v));
    else if (value !== undefined) check(path, value);
  };
  const matchChecks = (path: SourcePath, match: RawMatch) => {
    eachOf([...path, 'source'], match.source, source);
    eachOf([...path, 'severity'], match.severity, severity);
    severity([...path, 'minSeverity'], match.minSeverity);
  };

  team(['defaultTeam'], raw.defaultTeam);

  const ownership = raw.ownership ?? {};
  const prefixes = new Map<string, number>();
  ownership.ouRules?.forEach((rule, i) => {
    team(['ownership', 'ouRules', i, 'team'], rule.team);
    const seen = prefixes.get(rule.prefix);
    if (seen !== undefined) file.report(['ownership', 'ouRules', i, 'prefix'], `prefix ${show(rule.prefix)} is already given to ouRules[${seen}]`);
    else prefixes.set(rule.prefix, i);
  });
  for (const [account, name] of Object.entries(ownership.accounts ?? {})) team(['ownership', 'accounts', account], name);
  const configured = { resourceTag: ownership.resourceTagKey, accountTag: ownership.accountTagKey, ouRules: ownership.ouRules, accounts: ownership.accounts };
  const stepKey = { resourceTag: 'resourceTagKey', accountTag: 'accountTagKey', ouRules: 'ouRules', accounts: 'accounts' } as const;
  for (const [step, on] of Object.entries(ownership.enabled ?? {}) as Array<[keyof typeof configured, boolean]>) {
    if (on && configured[step] === undefined) file.report(['ownership', 'enabled', step], `step is enabled but ownership.${stepKey[step]} is not set`);
  }

  for (const [name, config] of Object.entries(raw.teams)) {
    severity(['teams', name, 'minSeverity'], config.minSeverity);
    severity(['teams', name, 'quiet', 'exceptMinSeverity'], config.quiet?.exceptMinSeverity);
    const zone = config.quiet?.hours?.timezone;
    if (zone !== undefined && !validTimeZone(zone)) file.report(['teams', name, 'quiet', 'hours', 'timezone'], `unknown time zone ${show(zone)}`);
  }

  const ruleNames = new Map<string, number>();
  raw.rules?.forEach((rule, i) => {
    const seen = ruleNames.get(rule.name);
    if (seen !== undefined) file.report(['rules', i, 'name'], `rule name ${show(rule.name)} is already used by rules[${seen}]`);
    else ruleNames.set(rule.name, i);
    if (rule.routeTo === undefined && rule.alsoNotify === undefined) file.report(['rules', i], 'a rule must say routeTo or alsoNotify (or both)', { atKey: true });
    team(['rules', i, 'routeTo'], rule.routeTo);
    rule.alsoNotify?.forEach((name, j) => team(['rules', i, 'alsoNotify', j], name));
    matchChecks(['rules', i, 'match'], rule.match);
  });

  const suppressionIds = new Map<string, number>();
  raw.suppressions?.forEach((suppression, i) => {
    const seen = suppressionIds.get(suppression.id);
    if (seen !== undefined) file.report(['suppressions', i, 'id'], `suppression id ${show(suppression.id)} is already used by suppressions[${seen}]`);
    else suppressionIds.set(suppression.id, i);
    if (expiryInstant(suppression.expires) === undefined) {
      file.report(['suppressions', i, 'expires'], `invalid date ${show(suppression.expires)} (expected a date such as 2027-03-31 or a date-time such as 2027-03-31T18:00:00Z)`);
    }
    matchChecks(['suppressions', i, 'match'], suppression.match);
  });
}

function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}



function list<T extends string>(value: string | string[] | undefined): T[] | undefined {
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value : [value]) as T[];
}

function normalizeMatch(raw: RawMatch): RuleMatch & SuppressionMatch {
  const match: RuleMatch & SuppressionMatch = {};
  const source = list<FindingSource>(raw.source);
  if (source) match.source = source;
  const severity = list<Severity>(raw.severity);
  if (severity) match.severity = severity;
  if (raw.minSeverity !== undefined) match.minSeverity = raw.minSeverity as Severity;
  if (raw.accounts) match.accounts = raw.accounts;
  if (raw.ouPrefix !== undefined) match.ouPrefix = raw.ouPrefix;
  const rule = list(raw.rule);
  if (rule) match.rule = rule;
  if (raw.tag) match.tag = raw.tag;
  if (raw.resourcePattern !== undefined) match.resourcePattern = raw.resourcePattern;
  return match;
}

function normalize(raw: RawConfig): VigilConfig {
  const o = raw.ownership ?? {};
  const on = { resourceTag: true, accountTag: true, ouRules: true, accounts: true, ...o.enabled };
  const ownership: OwnershipSteps = {};
  if (on.resourceTag && o.resourceTagKey !== undefined) ownership.resourceTagKey = o.resourceTagKey;
  if (on.accountTag && o.accountTagKey !== undefined) ownership.accountTagKey = o.accountTagKey;
  if (on.ouRules && o.ouRules?.length) ownership.ouRules = [...o.ouRules].sort((a, b) => b.prefix.length - a.prefix.length);
  if (on.accounts && o.accounts && Object.keys(o.accounts).length) ownership.accounts = { ...o.accounts };
  return {
    defaultTeam: raw.defaultTeam,
    ownership,
    teams: raw.teams as Record<string, TeamConfig>,
    rules: (raw.rules ?? []).map((rule) => ({
      name: rule.name,
      ...(rule.description !== undefined ? { description: rule.description } : {}),
      match: normalizeMatch(rule.match),
      ...(rule.routeTo !== undefined ? { routeTo: rule.routeTo } : {}),
      alsoNotify: rule.alsoNotify ?? [],
    })),
    suppressions: (raw.suppressions ?? []).map((s) => ({
      id: s.id,
      reason: s.reason,
      owner: s.owner,
      expires: s.expires,
      expiresAt: (expiryInstant(s.expires) as Date).toISOString(),
      match: normalizeMatch(s.match),
    })),
    staging: raw.staging ?? [],
  };
}
