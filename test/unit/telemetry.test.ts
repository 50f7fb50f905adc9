import { afterEach, describe, expect, it, vi } from 'vitest';

describe('telemetry', () => {
  afterEach(() => vi.restoreAllMocks());

  it('keeps Powertools’ "no application metrics" warning out of the logs, and logs its other warnings', async () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
    vi.resetModules();
    const { logger, metrics } = await import('../../functions/shared/runtime/telemetry.js');
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    metrics.publishStoredMetrics();
    expect(warn).not.toHaveBeenCalled();
    // A dimension set twice is a warning worth keeping.
    metrics.addDimension('team', 'payments');
    metrics.addDimension('team', 'security');
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('team'));
    out.mockRestore();
    vi.unstubAllEnvs();
  });
});
