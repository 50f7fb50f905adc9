export { applyCorrection, reconciledStore, type ApplyOptions } from './apply.js';
export { compareAccountRegion, decideOpen, decideResolve, type AccountRegionView, type Candidates, type ResolveOptions } from './compare.js';
export { enrichObservation, openObservation, resolveObservation } from './observations.js';
export { lookupRuleMetadata, managedRuleDocumentationUrl, ruleLookupNames, toRuleMetadata, type DescribedRule } from './rule-metadata.js';
export { reconcileRegion, type ConfigCompliancePort, type ReconcileOptions, type ReconcileReport, type ScopeDifference, type VigilFindingsPort } from './run.js';
export type * from './types.js';
