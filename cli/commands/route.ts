import { parseArgs } from 'node:util';
import { loadDirectoryFile, loadVigilConfig } from '../../functions/shared/adapters/config-file.js';
import { createOrganizationsClient, organizationsSource } from '../../functions/shared/adapters/organizations-directory.js';
import { CachedDirectory } from '../../functions/shared/adapters/cached-directory.js';
import { InvalidEventError } from '../../functions/shared/core/errors.js';
import type { Observation } from '../../functions/shared/core/finding.js';
import { resolveOwnership, type RoutingDecision } from '../../functions/shared/core/routing/resolve.js';
import type { Directory } from '../../functions/shared/core/routing/directory.js';
import type { VigilConfig } from '../../functions/shared/core/routing/config.js';
import { readEventsFileAny } from '../input.js';
import { normalizeInput, UsageError } from './normalize.js';

interface RoutingContext {
  config: VigilConfig;
  directory: Directory;
}

async function context(values: { org?: string; config?: string; role?: string }): Promise<RoutingContext> {
  const config = await loadVigilConfig(values.config ?? 'config/vigil.yaml');
  // A directory file (local mode, tests) or the organization itself, through the management-account role.
  const directory = values.org ? await loadDirectoryFile(values.org) : new CachedDirectory(organizationsSource(createOrganizationsClient(values.role)));
  return { config, directory };
}

/** Every finding of a file's events with its routing decision, or why there is none. */
async function* decisions(file: string, ctx: RoutingContext, now: Date) {
  for (const item of readEventsFileAny(file)) {
    if ('error' in item) {
      yield { origin: item.origin, error: item.error, reason: 'not-json' };
      continue;
    }
    let observations: Observation[];
    try {
      const result = normalizeInput(item);
      if (result.kind !== 'findings') {
        yield { origin: item.origin, ignored: true, reason: result.kind === 'heartbeat' ? 'a forwarder heartbeat, not a finding' : result.reason };
        continue;
      }
      observations = result.observations;
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      yield { origin: item.origin, error: error.detail, reason: error.reason };
      continue;
    }
    for (const observation of observations) {
      const account = await ctx.directory.getAccount(observation.accountId);
      if (!account) {
        yield { origin: item.origin, id: observation.id, accountId: observation.accountId, error: `account ${observation.accountId} is not in the organization's directory`, reason: 'account-not-in-organization' };
        continue;
      }
      yield { origin: item.origin, observation, decision: resolveOwnership(observation, account, ctx.config, now) };
    }
  }
}

const OPTIONS = { org: { type: 'string' }, config: { type: 'string' }, role: { type: 'string' }, 'dry-run': { type: 'boolean' } } as const;

function parse(args: string[], usage: string) {
  try {
    const parsed = parseArgs({ args, allowPositionals: true, options: OPTIONS });
    if (parsed.positionals.length !== 1) throw new Error('one FILE is required');
    return parsed;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nusage: ${usage}`);
  }
}

function routed(observation: Observation, decision: RoutingDecision) {
  return {
    id: observation.id,
    accountId: observation.accountId,
    team: decision.team,
    routedBy: decision.routedBy,
    ...(decision.alsoNotify.length ? { alsoNotify: decision.alsoNotify } : {}),
    ...(decision.unconfigured ? { unconfigured: true } : {}),
    ...(decision.staged ? { staged: true } : {}),
    ...(decision.suppressedBy ? { suppressedBy: decision.suppressedBy.id } : {}),
  };
}

/** `vigil route FILE [--org FILE] [--config FILE] [--role ARN]`: each finding's id, team and routedBy. */
export async function routeCommand(args: string[], out: (line: string) => void): Promise<number> {
  const { values, positionals } = parse(args, 'vigil route FILE [--org FILE] [--config FILE] [--role ARN]');
  const ctx = await context(values);
  let failed = 0;
  for await (const d of decisions(positionals[0]!, ctx, new Date())) {
    if ('decision' in d && d.decision && d.observation) out(JSON.stringify(routed(d.observation, d.decision)));
    else {
      if ('error' in d) failed++;
      out(JSON.stringify(d));
    }
  }
  return failed > 0 ? 1 : 0;
}

/**
 * `vigil suppressions --dry-run FILE`: which findings of FILE the configuration's
 * suppression rules would hide, and by which rule; rules that have expired are listed
 * as no longer applying.
 */
export async function suppressionsCommand(args: string[], out: (line: string) => void): Promise<number> {
  const { values, positionals } = parse(args, 'vigil suppressions --dry-run FILE [--org FILE] [--config FILE] [--role ARN]');
  if (!values['dry-run']) throw new UsageError('vigil suppressions only previews: pass --dry-run');
  const ctx = await context(values);
  const now = new Date();
  const hidden: Record<string, number> = {};
  let findings = 0;
  for await (const d of decisions(positionals[0]!, ctx, now)) {
    if (!('decision' in d) || !d.decision || !d.observation) continue;
    findings++;
    const by = d.decision.suppressedBy;
    if (!by) continue;
    hidden[by.id] = (hidden[by.id] ?? 0) + 1;
    out(JSON.stringify({ id: d.observation.id, title: d.observation.title, accountId: d.observation.accountId, rule: d.observation.rule, suppressedBy: by }));
  }
  const rules = ctx.config.suppressions.map((s) => ({
    id: s.id,
    owner: s.owner,
    expires: s.expires,
    active: now.getTime() < Date.parse(s.expiresAt),
    wouldHide: hidden[s.id] ?? 0,
  }));
  out(JSON.stringify({ findings, hidden: Object.values(hidden).reduce((a, b) => a + b, 0), rules }));
  return 0;
}
