import { readFileSync } from 'node:fs';

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
