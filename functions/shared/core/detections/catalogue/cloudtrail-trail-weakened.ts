import { defineDetection } from '../types.js';

/** A trail was changed so that it records less or protects its logs less. */
export const cloudTrailTrailWeakened = defineDetection({
  id: 'cloudtrail-trail-weakened',
  title: 'CloudTrail trail weakened',
  severity: 'HIGH',
  description:
    'A trail was reconfigured to record less or protect its logs less: single-Region, no global service events, no log file validation, no KMS encryption, no CloudWatch Logs delivery, or management events not (fully) recorded.',
  remediation: 'Restore the trail settings from its template (multi-Region, log file validation, KMS key, all management events) and find out who changed it.',
  // UpdateTrail parameters as documented in the CloudTrail API reference; an empty
  // string removes a KMS key or CloudWatch Logs log group.
  match: [
    { eventSource: ['cloudtrail.amazonaws.com'], eventName: ['UpdateTrail'], where: [{ path: 'requestParameters.isMultiRegionTrail', op: 'equals', values: [false] }] },
    { eventSource: ['cloudtrail.amazonaws.com'], eventName: ['UpdateTrail'], where: [{ path: 'requestParameters.includeGlobalServiceEvents', op: 'equals', values: [false] }] },
    { eventSource: ['cloudtrail.amazonaws.com'], eventName: ['UpdateTrail'], where: [{ path: 'requestParameters.enableLogFileValidation', op: 'equals', values: [false] }] },
    { eventSource: ['cloudtrail.amazonaws.com'], eventName: ['UpdateTrail'], where: [{ path: 'requestParameters.kmsKeyId', op: 'equals', values: [''] }] },
    { eventSource: ['cloudtrail.amazonaws.com'], eventName: ['UpdateTrail'], where: [{ path: 'requestParameters.cloudWatchLogsLogGroupArn', op: 'equals', values: [''] }] },
    {
      eventSource: ['cloudtrail.amazonaws.com'],
      eventName: ['PutEventSelectors'],
      where: [{ path: 'requestParameters.eventSelectors.includeManagementEvents', op: 'equals', values: [false] }],
    },
    {
      eventSource: ['cloudtrail.amazonaws.com'],
      eventName: ['PutEventSelectors'],
      where: [{ path: 'requestParameters.eventSelectors.readWriteType', op: 'equals', values: ['ReadOnly'] }],
    },
  ],
  resource: 'event',
  references: ['CIS AWS Foundations Benchmark v1.4.0 3.1, 3.2, 3.7, 4.5', 'Security Hub CloudTrail.1, CloudTrail.2, CloudTrail.4'],
});
