import { defineDetection } from '../types.js';

/** A trail stopped logging or was deleted. */
export const cloudTrailLoggingStopped = defineDetection({
  id: 'cloudtrail-logging-stopped',
  title: 'CloudTrail logging stopped',
  severity: 'CRITICAL',
  description: 'A CloudTrail trail was stopped or deleted: API activity is no longer recorded, a common step in covering tracks.',
  remediation: 'Restart logging (StartLogging) or recreate the trail from its template, find out who stopped it, and deny cloudtrail:StopLogging and cloudtrail:DeleteTrail by SCP.',
  match: [{ eventSource: ['cloudtrail.amazonaws.com'], eventName: ['StopLogging', 'DeleteTrail'] }],
  resource: 'event',
  references: ['CIS AWS Foundations Benchmark v1.4.0 4.5', 'Security Hub CloudWatch.5'],
});
