import { defineDetection } from '../types.js';

const PUBLIC_GROUPS = ['acs.amazonaws.com/groups/global/AllUsers', 'acs.amazonaws.com/groups/global/AuthenticatedUsers'];

/** A bucket ACL now grants access to everyone (or every AWS account). */
export const s3BucketAclPublic = defineDetection({
  id: 's3-bucket-acl-public',
  title: 'S3 bucket ACL grants public access',
  severity: 'HIGH',
  description: 'A bucket ACL was set that grants access to AllUsers (anyone) or AuthenticatedUsers (any AWS account), by canned ACL, grant header or ACL document.',
  remediation: 'Set the ACL back to private, turn on S3 Block Public Access, and consider Object Ownership "bucket owner enforced" to disable ACLs.',
  match: [
    {
      eventSource: ['s3.amazonaws.com'],
      eventName: ['PutBucketAcl'],
      where: [{ path: 'requestParameters.x-amz-acl', op: 'equals', values: ['public-read', 'public-read-write', 'authenticated-read'] }],
    },
    {
      eventSource: ['s3.amazonaws.com'],
      eventName: ['PutBucketAcl'],
      where: [
        {
          path: [
            'requestParameters.x-amz-grant-read',
            'requestParameters.x-amz-grant-write',
            'requestParameters.x-amz-grant-read-acp',
            'requestParameters.x-amz-grant-write-acp',
            'requestParameters.x-amz-grant-full-control',
            'requestParameters.AccessControlPolicy.AccessControlList.Grant.Grantee.URI',
          ],
          op: 'contains',
          values: PUBLIC_GROUPS,
        },
      ],
    },
  ],
  resource: 'event',
  references: ['Security Hub S3.2, S3.3'],
});
