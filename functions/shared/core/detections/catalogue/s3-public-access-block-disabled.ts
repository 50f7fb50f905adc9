import { defineDetection, type MatchClause } from '../types.js';

const PUT = ['PutBucketPublicAccessBlock', 'PutPublicAccessBlock', 'PutAccountPublicAccessBlock'];
const SETTINGS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'];

// A put replaces the whole configuration and an omitted setting is off, so any setting
// that is not true turns a block off.
const settingOff = (setting: string): MatchClause => ({
  eventSource: ['s3.amazonaws.com'],
  eventName: PUT,
  where: [
    { path: 'requestParameters.PublicAccessBlockConfiguration', op: 'exists' },
    { path: `requestParameters.PublicAccessBlockConfiguration.${setting}`, op: 'anything-but', values: [true, 'true'] },
  ],
});

/** S3 Block Public Access was removed or loosened, for a bucket or the whole account. */
export const s3PublicAccessBlockDisabled = defineDetection({
  id: 's3-public-access-block-disabled',
  title: 'S3 Block Public Access turned off',
  severity: 'HIGH',
  description: 'S3 Block Public Access was deleted or set with one of its four settings off, for a bucket or the account: public ACLs and policies are no longer blocked.',
  remediation: 'Turn all four Block Public Access settings back on (account level first) and deny the Put/Delete calls by SCP outside a break-glass role.',
  match: [
    { eventSource: ['s3.amazonaws.com'], eventName: ['DeleteBucketPublicAccessBlock', 'DeletePublicAccessBlock', 'DeleteAccountPublicAccessBlock'] },
    ...SETTINGS.map(settingOff),
  ],
  resource: 'event',
  references: ['CIS AWS Foundations Benchmark v1.4.0 2.1.5', 'Security Hub S3.1, S3.8'],
});
