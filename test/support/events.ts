import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export const CORPUS = 'events/corpus';

export interface CorpusEvent {
  /** `path` or `path:line` within events/. */
  origin: string;
  event: Record<string, unknown>;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/** Every event of a corpus folder (`*.json` is one event, `*.jsonl` one per line). */
export function corpusEvents(folder: string): CorpusEvent[] {
  const events: CorpusEvent[] = [];
  for (const path of walk(join(CORPUS, folder)).sort()) {
    const origin = relative('events', path);
    if (path.endsWith('.json')) events.push({ origin, event: JSON.parse(readFileSync(path, 'utf8')) });
    else if (path.endsWith('.jsonl')) {
      readFileSync(path, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (line.trim()) events.push({ origin: `${origin}:${i + 1}`, event: JSON.parse(line) });
        });
    }
  }
  return events;
}

export function loadEvent(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join('events', path), 'utf8'));
}

/**
 * The stream the integration tests replay: every Config and GuardDuty event of the
 * corpus, then one GuardDuty finding re-published (a repeat), escalated and archived.
 */
export function ingestStream(): unknown[] {
  const base = [...corpusEvents('config'), ...corpusEvents('guardduty')].map((e) => e.event);
  const gd = structuredClone(loadEvent('corpus/guardduty/eventbridge/cloud-custodian__iam-duty-event.json')) as { id: string; detail: { updatedAt: string; severity: number; service: { count: number; archived?: boolean } } };
  const republished = structuredClone(gd);
  republished.id = 'republished-1';
  republished.detail.updatedAt = '2017-12-08T21:32:49.862Z';
  republished.detail.service.count = 7;
  const escalated = structuredClone(gd);
  escalated.id = 'escalated-1';
  escalated.detail.updatedAt = '2017-12-09T03:32:49.862Z';
  escalated.detail.severity = 8;
  escalated.detail.service.count = 9;
  const archived = structuredClone(escalated);
  archived.id = 'archived-1';
  archived.detail.updatedAt = '2017-12-10T03:32:49.862Z';
  archived.detail.service.archived = true;
  return [...base, republished, escalated, archived];
}

/** Normalizes every event, counting findings, observations and ignored events, and collecting errors by origin. */
export function tallyCorpus(events: CorpusEvent[], normalize: (event: Record<string, unknown>) => { kind: string; observations?: unknown[] }) {
  const counts = { events: events.length, findings: 0, observations: 0, ignored: 0, errors: 0 };
  const errors: string[] = [];
  for (const { origin, event } of events) {
    try {
      const result = normalize(event);
      if (result.kind === 'findings') {
        counts.findings++;
        counts.observations += result.observations?.length ?? 0;
      } else counts.ignored++;
    } catch (error) {
      counts.errors++;
      errors.push(`${origin}: ${(error as Error).message}`);
    }
  }
  return { counts, errors };
}
