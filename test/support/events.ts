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
