import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOGUE, CLOUDTRAIL_RESOURCES } from '../../functions/shared/core/detections/index.js';
import { OPERATORS } from '../../functions/shared/core/detections/matcher.js';
import { SEVERITIES } from '../../functions/shared/core/finding.js';
import { NORMALIZERS, normalizeEvent, normalizerFor } from '../../functions/shared/core/normalizers/index.js';
import { corpusEvents, loadEvent } from '../support/events.js';
import { CATALOGUE_DIR, caseEvent, caseFiles, normalizeAny, rulesOf } from '../unit/detections/cases.js';

/**
 * Detections for which the corpus holds no event that triggers them; their positive cases
 * are corpus events edited as each case's `why` says. Shrinks as the corpus grows: the
 * test fails when an entry is no longer needed.
 */
const NO_CORPUS_POSITIVE: Readonly<Record<string, string>> = {
  'guardduty-detector-disabled': 'no GuardDuty API call in the corpus; positives are an edited Macie UpdateMacieSession',
  's3-bucket-acl-public': 'no public PutBucketAcl in the corpus; positives are an edited private PutBucketAcl',
  'iam-inline-admin-policy': 'no inline policy allowing * on * in the corpus; the positive is an edited Deny * on * policy',
};

describe('meta: detection catalogue', () => {
  const files = caseFiles();

  it('has unique kebab-case ids, each with <id>.ts and <id>.events.json beside it, and no stray events file', () => {
    // Assess
    const ids = CATALOGUE.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(existsSync(join(CATALOGUE_DIR, `${id}.ts`)), `${id}.ts`).toBe(true);
      expect(files.find((f) => f.file === `${id}.events.json`)?.detection, `${id}.events.json`).toBe(id);
    }
    expect(files.map((f) => f.detection).sort()).toEqual([...ids].sort());
  });

  it.each(CATALOGUE.map((d) => [d.id, d] as const))('%s is fully described in data the matcher understands', (_id, detection) => {
    // Assess
    expect(SEVERITIES).toContain(detection.severity);
    for (const text of [detection.title, detection.description, detection.remediation]) expect(text.trim().length).toBeGreaterThan(10);
    expect(detection.match.length).toBeGreaterThan(0);
    for (const clause of detection.match) {
      expect(clause.eventSource ?? clause.eventName ?? clause.where, 'a clause that matches everything').toBeDefined();
      for (const predicate of clause.where ?? []) expect(Object.keys(OPERATORS)).toContain(predicate.op);
    }
  });

  it.each(CATALOGUE.filter((d) => d.resource === 'event').map((d) => [d.id, d] as const))('%s names calls whose resource is located', (_id, detection) => {
    // Assess
    for (const clause of detection.match) {
      expect(clause.eventSource?.length && clause.eventName?.length, 'a resource-"event" clause names its calls').toBeTruthy();
      for (const source of clause.eventSource ?? []) {
        for (const name of clause.eventName ?? []) expect(CLOUDTRAIL_RESOURCES[`${source}:${name}`], `${source}:${name}`).toBeDefined();
      }
    }
  });

  it.each(CATALOGUE.map((d) => [d.id] as const))('%s has real corpus events that trigger it and that must not', (id) => {
    // Prepare
    const cases = files.find((f) => f.detection === id)?.cases ?? [];
    const unedited = cases.filter((c) => !c.edit);

    // Act
    const fired = (c: (typeof cases)[number]): boolean => rulesOf(normalizeAny(caseEvent(c))).includes(id);

    // Assess
    const positives = unedited.filter((c) => c.expect === 'match');
    const negatives = unedited.filter((c) => c.expect === 'no-match');
    expect(negatives.length, 'unedited negatives').toBeGreaterThan(0);
    expect(negatives.every((c) => !fired(c))).toBe(true);
    if (NO_CORPUS_POSITIVE[id]) {
      expect(positives, `${id} has a corpus positive now: drop it from NO_CORPUS_POSITIVE`).toEqual([]);
      expect(cases.some((c) => c.expect === 'match' && c.edit && fired(c))).toBe(true);
    } else {
      expect(positives.length, 'unedited positives').toBeGreaterThan(0);
      expect(positives.every(fired)).toBe(true);
    }
    for (const c of cases.filter((x) => x.edit)) expect(c.why, `edited case ${c.origin} says why`).toMatch(/corpus/);
  });
});

describe('meta: normalizer registry', () => {
  // The corpus, plus the events Vigil itself causes (events/samples: the forwarder heartbeat).
  const envelopes = [
    ...['cloudtrail/eventbridge', 'cloudtrail/eventbridge-derived', 'config', 'guardduty', 'securityhub'].flatMap((folder) => corpusEvents(folder)),
    { origin: 'samples/heartbeat-scheduled-event.json', event: loadEvent('samples/heartbeat-scheduled-event.json') },
  ];

  it('has one entry per source and detail-type', () => {
    // Assess
    const keys = NORMALIZERS.map((n) => `${n.source} ${n.detailType}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it.each(NORMALIZERS.map((n) => [`${n.source} "${n.detailType}"`, n] as const))('%s accepts at least one real-shaped event', (_key, normalizer) => {
    // Prepare
    const mine = envelopes.filter(({ event }) => normalizerFor(String(event.source), String(event['detail-type'])) === normalizer);

    // Act
    const results = mine.map(({ event }) => normalizeEvent(event));

    // Assess
    expect(mine.length).toBeGreaterThan(0);
    expect(results.length).toBe(mine.length);
  });
});
