import { defineDetection } from '../types.js';

/** A KMS key was disabled. */
export const kmsKeyDisabled = defineDetection({
  id: 'kms-key-disabled',
  title: 'KMS key disabled',
  severity: 'MEDIUM',
  description: 'A KMS key was disabled: data encrypted under it cannot be decrypted until it is enabled again.',
  remediation: 'If unintended, re-enable the key (EnableKey) and find out who disabled it.',
  match: [{ eventSource: ['kms.amazonaws.com'], eventName: ['DisableKey'] }],
  resource: 'event',
  references: ['CIS AWS Foundations Benchmark v1.4.0 4.7', 'Security Hub CloudWatch.7'],
});
