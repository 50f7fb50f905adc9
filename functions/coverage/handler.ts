import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { loadDirectory } from '../shared/adapters/directory-reader.js';
import { createDocumentClient } from '../shared/adapters/dynamodb-client.js';
import { loadHeartbeats } from '../shared/adapters/heartbeat-reader.js';
import { coverageGaps } from '../shared/core/coverage.js';
import { numberEnv, requireEnv } from '../shared/runtime/env.js';
import { logger, metrics } from '../shared/runtime/telemetry.js';

const documentClient = createDocumentClient();
const tableName = requireEnv('TABLE_NAME');
// Each Region checks its own forwarders: a Region that hears nothing still reports it.
const regions = (process.env.EXPECTED_REGIONS || requireEnv('AWS_REGION')).split(',').map((r) => r.trim()).filter(Boolean);
const maxSilenceMs = numberEnv('MAX_SILENCE_MINUTES', 180) * 60_000;

/**
 * Proves coverage: which active accounts of the organization have not sent a
 * heartbeat from their forwarder lately. Publishes `CoverageGaps` (alarmed) and logs them.
 */
export const handler = middy(async () => {
  const [accounts, heartbeats] = await Promise.all([loadDirectory(documentClient, tableName), loadHeartbeats(documentClient, tableName)]);
  const gaps = coverageGaps({ accounts, regions, heartbeats, now: new Date(), maxSilenceMs });
  metrics.addMetric('CoverageGaps', MetricUnit.Count, gaps.length);
  metrics.addMetric('CoveredAccountRegions', MetricUnit.Count, accounts.filter((a) => a.status === 'ACTIVE').length * regions.length - gaps.length);
  if (gaps.length > 0) logger.warn('coverage gaps', { gaps: gaps.slice(0, 100), total: gaps.length });
  return { accounts: accounts.length, regions, gaps };
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
