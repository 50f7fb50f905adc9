import { InvalidEventError } from '../../functions/shared/core/errors.js';
import type { Observation } from '../../functions/shared/core/finding.js';
import { normalizeEvent, normalizeRecord, type NormalizeResult } from '../../functions/shared/core/normalizers/index.js';
import { readEventsFileAny, type EventInput } from '../input.js';

/** The printed shape of a finding: the observation, fields in a stable order. */
export function printable(o: Observation): Record<string, unknown> {
  return {
    id: o.id,
    source: o.source,
    accountId: o.accountId,
    region: o.region,
    severity: o.severity,
    status: o.status,
    title: o.title,
    resource: o.resource,
    observedAt: o.observedAt,
    rule: o.rule,
    ocsfClass: o.ocsfClass,
    description: o.description,
    ...(o.firstSeenAt ? { firstSeenAt: o.firstSeenAt } : {}),
    ...(o.sourceCount !== undefined ? { sourceCount: o.sourceCount } : {}),
    sourceId: o.sourceId,
    consoleUrl: o.consoleUrl,
    eventId: o.eventId,
    ...(o.sample ? { sample: true } : {}),
  };
}

/** Normalizes one classified input: an EventBridge event, or a bare CloudTrail record. */
export function normalizeInput(item: Extract<EventInput, { value: unknown }>): NormalizeResult {
  return item.bare ? normalizeRecord(item.value) : normalizeEvent(item.value);
}

/**
 * `vigil normalize FILE`: one JSON line per input event (per finding, for an event
 * that carries several; a trail log file's `Records[]` and bare CloudTrail records are
 * read too): the finding, `{"ignored":true,"reason"}` or `{"error"}`.
 * Exit status 1 if any input was invalid.
 */
export function normalizeCommand(args: string[], out: (line: string) => void): number {
  const file = args[0];
  if (!file) throw new UsageError('usage: vigil normalize FILE');
  let invalid = 0;
  for (const item of readEventsFileAny(file)) {
    if ('error' in item) {
      invalid++;
      out(JSON.stringify({ error: item.error, reason: 'not-json', origin: item.origin }));
      continue;
    }
    try {
      const result = normalizeInput(item);
      if (result.kind === 'ignored') out(JSON.stringify({ ignored: true, reason: result.reason, origin: item.origin }));
      else if (result.kind === 'heartbeat') out(JSON.stringify({ heartbeat: result.heartbeat, origin: item.origin }));
      else for (const observation of result.observations) out(JSON.stringify(printable(observation)));
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      invalid++;
      out(JSON.stringify({ error: error.detail, reason: error.reason, origin: item.origin }));
    }
  }
  return invalid > 0 ? 1 : 0;
}

export class UsageError extends Error {}
