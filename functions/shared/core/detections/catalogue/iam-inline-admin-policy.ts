import { defineDetection } from '../types.js';

/** An inline policy granting everything was put on a user, role or group. */
export const iamInlineAdminPolicy = defineDetection({
  id: 'iam-inline-admin-policy',
  title: 'Inline policy grants full access',
  severity: 'HIGH',
  description: 'An inline policy with Allow of Action "*" on Resource "*" was put on an IAM user, role or group.',
  remediation: 'Delete the inline policy and grant a least-privilege managed policy instead.',
  match: [
    {
      eventSource: ['iam.amazonaws.com'],
      eventName: ['PutUserPolicy', 'PutRolePolicy', 'PutGroupPolicy'],
      where: [{ path: 'requestParameters.policyDocument', op: 'policy-admin' }],
    },
  ],
  resource: 'event',
  references: ['CIS AWS Foundations Benchmark v1.4.0 1.16, 4.4', 'Security Hub IAM.1, IAM.21, CloudWatch.4'],
});
