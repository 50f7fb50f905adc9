import { Tracer } from '@aws-lambda-powertools/tracer';

export { logger, metrics } from './telemetry.js';

/**
 * The Tracer beside the process's Logger and Metrics (./telemetry.ts), for functions
 * whose X-Ray traces show their own AWS calls as subsegments.
 */
export const tracer = new Tracer();
