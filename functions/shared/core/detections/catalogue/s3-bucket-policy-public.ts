import { defineDetection } from '../types.js';

/** A bucket policy now allows anyone. */
export const s3BucketPolicyPublic = defineDetection({
  id: 's3-bucket-policy-public',
  title: 'S3 bucket policy allows public access',
  severity: 'HIGH',
  description: 'A bucket policy was set with an Allow statement for every principal ("*") and no condition that restricts it to an organization, account, VPC or network.',
  remediation: 'Remove or restrict the statement (aws:PrincipalOrgID, aws:SourceVpce), and keep S3 Block Public Access on for the account and bucket.',
  match: [{ eventSource: ['s3.amazonaws.com'], eventName: ['PutBucketPolicy'], where: [{ path: 'requestParameters.bucketPolicy', op: 'policy-public' }] }],
  resource: 'event',
  references: ['CIS AWS Foundations Benchmark v1.4.0 4.8', 'Security Hub S3.2, S3.3'],
});
