import { defineDetection } from '../types.js';

/** The AWS managed AdministratorAccess policy was attached to someone. */
export const iamAdminPolicyAttached = defineDetection({
  id: 'iam-admin-policy-attached',
  title: 'AdministratorAccess attached',
  severity: 'HIGH',
  description: 'The AWS managed policy AdministratorAccess was attached to an IAM user, role or group: full access to every service and resource.',
  remediation: 'Detach it unless this is an approved break-glass principal; grant a least-privilege policy instead.',
  // By suffix so that the aws-us-gov and aws-cn partitions match too.
  match: [
    {
      eventSource: ['iam.amazonaws.com'],
      eventName: ['AttachUserPolicy', 'AttachRolePolicy', 'AttachGroupPolicy'],
      where: [{ path: 'requestParameters.policyArn', op: 'suffix', values: [':iam::aws:policy/AdministratorAccess'] }],
    },
  ],
  resource: 'event',
  references: ['CIS AWS Foundations Benchmark v1.4.0 1.16, 4.4', 'Security Hub IAM.1, CloudWatch.4'],
});
