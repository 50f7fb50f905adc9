import { defineDetection } from '../types.js';

/** An IAM user signed in to the console with a password alone. */
export const consoleLoginWithoutMfa = defineDetection({
  id: 'console-login-without-mfa',
  title: 'Console sign-in without MFA',
  severity: 'MEDIUM',
  description: 'An IAM user signed in to the AWS Management Console without multi-factor authentication.',
  remediation: 'Require MFA for the user (assign an MFA device and deny actions without aws:MultiFactorAuthPresent), or move the person to IAM Identity Center.',
  // SAML sign-ins carry MFAUsed "No" because MFA happened at the identity provider.
  // Root sign-ins are root-account-usage's.
  match: [
    {
      eventSource: ['signin.amazonaws.com'],
      eventName: ['ConsoleLogin'],
      where: [
        { path: 'userIdentity.type', op: 'equals', values: ['IAMUser'] },
        { path: 'responseElements.ConsoleLogin', op: 'equals', values: ['Success'] },
        { path: 'additionalEventData.MFAUsed', op: 'equals', values: ['No'] },
        { path: 'additionalEventData.SamlProviderArn', op: 'absent' },
      ],
    },
  ],
  resource: 'principal',
  references: ['CIS AWS Foundations Benchmark v1.4.0 4.2', 'Security Hub CloudWatch.3'],
});
