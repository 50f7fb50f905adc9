import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * One Logger, Metrics and Tracer per function process. The service name comes from
 * POWERTOOLS_SERVICE_NAME (set per function in template.yaml), the namespace from
 * POWERTOOLS_METRICS_NAMESPACE.
 */
export const logger = new Logger();
export const metrics = new Metrics({ defaultDimensions: {} });
export const tracer = new Tracer();
