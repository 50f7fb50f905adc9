export { CATALOGUE } from './catalogue/index.js';
export { detectionMatches, failureOf, firstString, isReadOnlyCall, matchDetections, valuesAt } from './matcher.js';
export { CLOUDTRAIL_RESOURCES, type ResourceLocator } from './resources.js';
export type { Detection, MatchClause, Predicate, ResourceKind } from './types.js';
