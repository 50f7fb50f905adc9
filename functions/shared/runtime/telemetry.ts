import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * One Logger and one Metrics per function process. The service name comes from
 * POWERTOOLS_SERVICE_NAME (set per function in template.yaml), the namespace from
 * POWERTOOLS_METRICS_NAMESPACE.
 *
 * No Powertools Tracer: Lambda's active tracing (template.yaml) records every invocation
 * without it. The Tracer would add each AWS call as a subsegment, at about 17 ms of every
 * cold start (bench cold-start: it loads the X-Ray SDK, about 110 KB, which starts async
 * hooks and patches http and https), and that SDK is in maintenance mode since February
 * 2026, its support ending in February 2027; AWS points to OpenTelemetry instead.
 */
export const logger = new Logger();

/**
 * Metrics' own warnings go through the Logger (JSON, with the request id), but one:
 * "No application metrics to publish", which Powertools says on every invocation that
 * had nothing to count (a notifier batch of repeats, a quiet schedule): expected here,
 * and log bytes paid for on every such invocation.
 */
const metricsWarnings = {
  debug: (...content: unknown[]) => logger.debug(String(content[0]), ...content.slice(1).map((c) => ({ detail: c }))),
  info: (...content: unknown[]) => logger.info(String(content[0]), ...content.slice(1).map((c) => ({ detail: c }))),
  warn: (...content: unknown[]) => {
    if (typeof content[0] === 'string' && content[0].startsWith('No application metrics to publish')) return;
    logger.warn(String(content[0]), ...content.slice(1).map((c) => ({ detail: c })));
  },
  error: (...content: unknown[]) => logger.error(String(content[0]), ...content.slice(1).map((c) => ({ detail: c }))),
};

export const metrics = new Metrics({ defaultDimensions: {}, logger: metricsWarnings });
