import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * One Logger and one Metrics per function process, without the Tracer: a function that
 * needs no X-Ray subsegments of its own imports these and keeps the X-Ray SDK (about
 * 110 KB and 15-30 ms of cold start) out of its bundle. The service name comes from
 * POWERTOOLS_SERVICE_NAME (set per function in template.yaml), the namespace from
 * POWERTOOLS_METRICS_NAMESPACE.
 */
export const logger = new Logger();
export const metrics = new Metrics({ defaultDimensions: {} });
