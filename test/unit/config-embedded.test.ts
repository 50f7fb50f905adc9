import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_FILE, EMBEDDED_FILE, embeddedSource } from '../../scripts/embed-config.js';

describe('embedded configuration', () => {
  it('is the current config/vigil.yaml (run `npm run config` after editing it)', () => {
    expect(readFileSync(EMBEDDED_FILE, 'utf8')).toBe(embeddedSource(readFileSync(CONFIG_FILE, 'utf8')));
  });
});
