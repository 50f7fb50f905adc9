import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../../functions/shared/core/detections/index.js';
import { caseEvent, caseFiles, normalizeAny, rulesOf } from './cases.js';

describe('detections: catalogue test events', () => {
  for (const file of caseFiles()) {
    const detection = CATALOGUE.find((d) => d.id === file.detection);

    describe(file.detection, () => {
      it.each(file.cases.map((c) => [`${c.expect} ${c.origin}${c.edit ? ' (edited)' : ''}: ${c.note}`, c] as const))('%s', (_name, c) => {
        // Prepare
        const event = caseEvent(c);

        // Act
        const result = normalizeAny(event);

        // Assess
        if (c.expect === 'match') {
          expect(rulesOf(result)).toContain(file.detection);
          const observation = result.kind === 'findings' ? result.observations.find((o) => o.rule === file.detection) : undefined;
          expect(observation).toMatchObject({ source: 'aws.cloudtrail', ocsfClass: 'Detection Finding', status: 'OPEN', severity: detection?.severity });
          expect(observation?.description).toContain(detection?.remediation);
        } else {
          expect(rulesOf(result)).not.toContain(file.detection);
        }
      });
    });
  }
});
