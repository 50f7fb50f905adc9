/**
 * The real events the generator clones: read from events/ (corpus and samples), grouped
 * by source, and kept only where EventBridge would deliver them to the ingest queue
 * (the rules of template.yaml, matched with the project's own event-pattern engine).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadTemplate } from '../../cli/local/template.js';
import { compilePattern, type CompiledPattern } from '../../functions/shared/event-pattern/index.js';
import { normalizeEvent } from '../../functions/shared/core/normalizers/index.js';

export type Json = Record<string, unknown>;

export interface CorpusTemplate {
  /** `path` or `path:line` under events/. */
  origin: string;
  event: Json;
  /** What the real normalizer makes of it as published: findings or a reason it is ignored. */
  yields: 'findings' | 'ignored' | 'heartbeat' | 'invalid';
}

export interface Corpus {
  guardduty: CorpusTemplate[];
  config: CorpusTemplate[];
  cloudtrail: CorpusTemplate[];
  securityhub: CorpusTemplate[];
  heartbeat: CorpusTemplate[];
  /** The ingest queue's rules (logical id → compiled pattern), from template.yaml. */
  rules: Map<string, CompiledPattern>;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

function eventsUnder(folder: string): Array<{ origin: string; event: Json }> {
  const out: Array<{ origin: string; event: Json }> = [];
  for (const path of walk(folder).sort()) {
    const origin = relative('events', path);
    if (path.endsWith('.json')) out.push({ origin, event: JSON.parse(readFileSync(path, 'utf8')) as Json });
    else if (path.endsWith('.jsonl')) {
      readFileSync(path, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (line.trim()) out.push({ origin: `${origin}:${i + 1}`, event: JSON.parse(line) as Json });
        });
    }
  }
  return out;
}

/** The EventBridge rules whose target is the ingest queue, compiled. */
export function ingestRules(templatePath = 'template.yaml'): Map<string, CompiledPattern> {
  const template = loadTemplate(templatePath);
  const rules = new Map<string, CompiledPattern>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Events::Rule') continue;
    const targets = (resource.Properties?.Targets ?? []) as Array<{ Arn?: unknown }>;
    const toQueue = targets.some((t) => JSON.stringify(t.Arn ?? '').includes('IngestQueue'));
    if (!toQueue || !resource.Properties?.EventPattern) continue;
    rules.set(id, compilePattern(resource.Properties.EventPattern));
  }
  return rules;
}

function yields(event: Json): CorpusTemplate['yields'] {
  try {
    const result = normalizeEvent(event);
    return result.kind;
  } catch {
    return 'invalid';
  }
}

export function loadCorpus(): Corpus {
  const rules = ingestRules();
  const delivered = (event: Json) => [...rules.values()].some((rule) => rule.matches(event));
  const load = (folder: string, keep: (e: Json) => boolean): CorpusTemplate[] =>
    eventsUnder(join('events', folder))
      .filter(({ event }) => keep(event) && delivered(event))
      .map(({ origin, event }) => ({ origin, event, yields: yields(event) }));

  const corpus: Corpus = {
    guardduty: load('corpus/guardduty', (e) => e['detail-type'] === 'GuardDuty Finding'),
    config: load('corpus/config', (e) => e['detail-type'] === 'Config Rules Compliance Change'),
    cloudtrail: load('corpus/cloudtrail', (e) => String(e['detail-type']).includes('via CloudTrail')),
    securityhub: load('corpus/securityhub', (e) => e['detail-type'] === 'Security Hub Findings - Imported'),
    heartbeat: load('samples', (e) => e['detail-type'] === 'Scheduled Event'),
    rules,
  };
  for (const [kind, list] of Object.entries(corpus)) {
    if (kind !== 'rules' && (list as CorpusTemplate[]).length === 0) throw new Error(`corpus: no ${kind} event EventBridge would deliver to the ingest queue`);
  }
  return corpus;
}
