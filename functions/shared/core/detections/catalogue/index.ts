import type { Detection } from '../types.js';
import { cloudTrailLoggingStopped } from './cloudtrail-logging-stopped.js';
import { cloudTrailTrailWeakened } from './cloudtrail-trail-weakened.js';
import { configRecordingStopped } from './config-recording-stopped.js';
import { consoleLoginFailed } from './console-login-failed.js';
import { consoleLoginWithoutMfa } from './console-login-without-mfa.js';
import { guardDutyDetectorDisabled } from './guardduty-detector-disabled.js';
import { iamAdminPolicyAttached } from './iam-admin-policy-attached.js';
import { iamInlineAdminPolicy } from './iam-inline-admin-policy.js';
import { kmsKeyDisabled } from './kms-key-disabled.js';
import { kmsKeyScheduledForDeletion } from './kms-key-scheduled-for-deletion.js';
import { rootAccessKeyCreated } from './root-access-key-created.js';
import { rootAccountUsage } from './root-account-usage.js';
import { s3BucketAclPublic } from './s3-bucket-acl-public.js';
import { s3BucketPolicyPublic } from './s3-bucket-policy-public.js';
import { s3PublicAccessBlockDisabled } from './s3-public-access-block-disabled.js';
import { securityGroupOpenIngress } from './security-group-open-ingress.js';

/**
 * Every CloudTrail detection Vigil runs. Each lives in `<id>.ts` with its test events in
 * `<id>.events.json` beside it; adding a detection is adding those two files and a line here.
 */
export const CATALOGUE: readonly Detection[] = [
  rootAccountUsage,
  rootAccessKeyCreated,
  consoleLoginWithoutMfa,
  consoleLoginFailed,
  cloudTrailLoggingStopped,
  cloudTrailTrailWeakened,
  guardDutyDetectorDisabled,
  configRecordingStopped,
  securityGroupOpenIngress,
  s3BucketPolicyPublic,
  s3BucketAclPublic,
  s3PublicAccessBlockDisabled,
  iamAdminPolicyAttached,
  iamInlineAdminPolicy,
  kmsKeyScheduledForDeletion,
  kmsKeyDisabled,
];
