import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** One input item read from a file: a parsed value, or why it could not be parsed. */
export type InputItem = { origin: string; value: unknown } | { origin: string; error: string; raw: string };

/**
 * Reads a file holding one event, a JSON array of events, or JSON Lines. A line of
 * JSON Lines that does not parse is reported as its own error and the rest still read.
 */
export function readEventsFile(path: string): InputItem[] {
  const text = readFileSync(path, 'utf8');
  return parseEvents(text, path);
}

export function parseEvents(text: string, name: string): InputItem[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  try {
    const whole: unknown = JSON.parse(trimmed);
    if (Array.isArray(whole)) return whole.map((value, i) => ({ origin: `${name}[${i}]`, value }));
    return [{ origin: name, value: whole }];
  } catch {
    // Not a single JSON document: JSON Lines.
  }
  const items: InputItem[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const origin = `${name}:${i + 1}`;
    try {
      items.push({ origin, value: JSON.parse(line) });
    } catch (error) {
      items.push({ origin, error: `not JSON: ${(error as Error).message}`, raw: line });
    }
  });
  return items;
}

/** An input read from a file, classified: an EventBridge event, or a bare CloudTrail record. */
export type EventInput = { origin: string; value: unknown; bare: boolean } | { origin: string; error: string; raw: string };

function looksLikeBareRecord(value: unknown): boolean {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return !('detail-type' in v) && typeof v.eventSource === 'string' && typeof v.eventName === 'string';
}

/**
 * Expands a trail's log file (`{"Records": [...]}`, as CloudTrail writes to S3) into its
 * records, and marks bare CloudTrail records so they are normalized as such: history can
 * be replayed through the same detections as live events.
 */
export function classifyInputs(items: InputItem[]): EventInput[] {
  return items.flatMap((item): EventInput[] => {
    if ('error' in item) return [item];
    const v = item.value as Record<string, unknown> | null;
    if (v && typeof v === 'object' && !Array.isArray(v) && Array.isArray(v.Records) && !('detail-type' in v)) {
      return (v.Records as unknown[]).map((record, i) => ({ origin: `${item.origin}#Records[${i}]`, value: record, bare: true }));
    }
    return [{ origin: item.origin, value: item.value, bare: looksLikeBareRecord(item.value) }];
  });
}

/** Reads a file of events, transparently gunzipping `.gz` (trail log files are gzipped). */
export function readEventsFileAny(path: string): EventInput[] {
  const bytes = readFileSync(path);
  const text = path.endsWith('.gz') ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
  return classifyInputs(parseEvents(text, path));
}
