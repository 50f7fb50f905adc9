import { defineDetection } from '../types.js';

/** The root user did something itself (not an AWS service on its behalf). */
export const rootAccountUsage = defineDetection({
  id: 'root-account-usage',
  title: 'Root user used',
  severity: 'HIGH',
  description: 'The root user signed in or made a call. Root has unrestricted access to the account and should only be used for the few tasks that require it.',
  remediation:
    'Confirm who used the root user and why; do daily work with IAM Identity Center or IAM roles, keep root credentials locked away with MFA, and delete any root access keys.',
  // The CIS metric filter: type Root, no invokedBy (a service acting for root), not a
  // service event (only API calls and sign-ins reach this matcher).
  match: [{ where: [{ path: 'userIdentity.type', op: 'equals', values: ['Root'] }, { path: 'userIdentity.invokedBy', op: 'absent' }] }],
  resource: 'account',
  references: ['CIS AWS Foundations Benchmark v1.4.0 4.3', 'Security Hub CloudWatch.1'],
});
