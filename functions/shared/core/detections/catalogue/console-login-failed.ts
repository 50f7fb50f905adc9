import { defineDetection } from '../types.js';

/** A console sign-in failed. */
export const consoleLoginFailed = defineDetection({
  id: 'console-login-failed',
  title: 'Console sign-in failed',
  severity: 'LOW',
  description: 'A sign-in to the AWS Management Console failed. Repeats for one principal share one finding, so a burst is one finding with a count.',
  remediation: 'If the person did not expect it, reset the password, check MFA, and look for other failures from the same source IP.',
  match: [
    {
      eventSource: ['signin.amazonaws.com'],
      eventName: ['ConsoleLogin'],
      where: [{ path: 'responseElements.ConsoleLogin', op: 'equals', values: ['Failure'] }],
    },
  ],
  resource: 'principal',
  includeFailed: true,
  references: ['CIS AWS Foundations Benchmark v1.4.0 4.6', 'Security Hub CloudWatch.6'],
});
