import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NormalizeResult } from '../../../functions/shared/core/normalizers/index.js';
import { normalizeEvent, normalizeRecord } from '../../../functions/shared/core/normalizers/index.js';
import { corpusEvents } from '../../support/events.js';

/**
 * The test events beside each detection (`catalogue/<id>.events.json`): references to
 * corpus events by origin, never copies. A case may edit its corpus event (documented in
 * `why`) when the corpus has no event of the kind; `set` takes dotted paths.
 */
export interface DetectionCase {
  origin: string;
  expect: 'match' | 'no-match';
  note: string;
  edit?: { set?: Record<string, unknown>; unset?: string[] };
  why?: string;
}

export interface CaseFile {
  detection: string;
  file: string;
  cases: DetectionCase[];
}

export const CATALOGUE_DIR = 'functions/shared/core/detections/catalogue';

export function caseFiles(): CaseFile[] {
  return readdirSync(CATALOGUE_DIR)
    .filter((name) => name.endsWith('.events.json'))
    .sort()
    .map((name) => {
      const parsed = JSON.parse(readFileSync(join(CATALOGUE_DIR, name), 'utf8')) as Omit<CaseFile, 'file'>;
      return { ...parsed, file: name };
    });
}

let byOrigin: Map<string, Record<string, unknown>> | undefined;

/** A corpus CloudTrail event by its origin (`corpus/cloudtrail/...:line`), as a fresh copy. */
export function corpusEvent(origin: string): Record<string, unknown> {
  byOrigin ??= new Map(corpusEvents('cloudtrail').map((e) => [e.origin, e.event]));
  const event = byOrigin.get(origin);
  if (!event) throw new Error(`no corpus event ${origin}`);
  return structuredClone(event);
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop() as string;
  let current = target;
  for (const key of keys) {
    const next = current[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) current[key] = {};
    current = current[key] as Record<string, unknown>;
  }
  current[last] = structuredClone(value);
}

function unsetPath(target: Record<string, unknown>, path: string): void {
  const keys = path.split('.');
  const last = keys.pop() as string;
  let current: unknown = target;
  for (const key of keys) current = (current as Record<string, unknown> | undefined)?.[key];
  if (current && typeof current === 'object') delete (current as Record<string, unknown>)[last];
}

export function applyEdit(event: Record<string, unknown>, edit: DetectionCase['edit']): Record<string, unknown> {
  for (const path of edit?.unset ?? []) unsetPath(event, path);
  for (const [path, value] of Object.entries(edit?.set ?? {})) setPath(event, path, value);
  return event;
}

/** The event a case describes: its corpus event with the case's edit applied. */
export function caseEvent(c: DetectionCase): Record<string, unknown> {
  return applyEdit(corpusEvent(c.origin), c.edit);
}

/** Normalizes a corpus event whatever its shape: an EventBridge event or a bare record. */
export function normalizeAny(event: Record<string, unknown>): NormalizeResult {
  return 'detail-type' in event ? normalizeEvent(event) : normalizeRecord(event);
}

/** The rules (detection ids) a normalize result reports. */
export function rulesOf(result: NormalizeResult): string[] {
  return result.kind === 'findings' ? result.observations.map((o) => o.rule) : [];
}
