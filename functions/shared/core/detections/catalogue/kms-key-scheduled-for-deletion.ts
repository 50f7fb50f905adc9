import { defineDetection } from '../types.js';

/** A KMS key was scheduled for deletion. */
export const kmsKeyScheduledForDeletion = defineDetection({
  id: 'kms-key-scheduled-for-deletion',
  title: 'KMS key scheduled for deletion',
  severity: 'HIGH',
  description: 'A KMS key was scheduled for deletion: when the waiting period ends, everything encrypted under it becomes unreadable.',
  remediation: 'If unintended, cancel the deletion (CancelKeyDeletion) before the waiting period ends and re-enable the key.',
  match: [{ eventSource: ['kms.amazonaws.com'], eventName: ['ScheduleKeyDeletion'] }],
  resource: 'event',
  references: ['CIS AWS Foundations Benchmark v1.4.0 4.7', 'Security Hub CloudWatch.7, KMS.3'],
});
