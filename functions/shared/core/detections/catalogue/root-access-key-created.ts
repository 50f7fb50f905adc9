import { defineDetection } from '../types.js';

/** An access key was created for the root user itself. */
export const rootAccessKeyCreated = defineDetection({
  id: 'root-access-key-created',
  title: 'Root access key created',
  severity: 'CRITICAL',
  description: 'The root user created an access key for itself: long-lived credentials with unrestricted access to the account.',
  remediation: 'Delete the root access key (IAM console, Security credentials of the root user) and use IAM roles for programmatic access.',
  // No userName in the request means the key is for the caller, here root. Root creating
  // a key for an IAM user is not this (root-account-usage covers the root activity).
  match: [
    {
      eventSource: ['iam.amazonaws.com'],
      eventName: ['CreateAccessKey'],
      where: [{ path: 'userIdentity.type', op: 'equals', values: ['Root'] }, { path: 'requestParameters.userName', op: 'absent' }],
    },
  ],
  resource: 'event',
  references: ['CIS AWS Foundations Benchmark v1.4.0 1.4', 'Security Hub IAM.4'],
});
