/**
 * Which resource a CloudTrail call acts on, by `eventSource:eventName`: the resource type
 * (CloudFormation / AWS Config naming, so findings line up with Config's) and paths to
 * its id, tried in order. A table, in the manner of Cloud Custodian's `trail_events`;
 * the meta-test checks that every call a detection names with `resource: 'event'` is here.
 */
export interface ResourceLocator {
  type: string;
  id: readonly string[];
}

const TRAIL: ResourceLocator = { type: 'AWS::CloudTrail::Trail', id: ['requestParameters.name', 'requestParameters.trailName'] };
const DETECTOR: ResourceLocator = { type: 'AWS::GuardDuty::Detector', id: ['requestParameters.detectorId'] };
const RECORDER: ResourceLocator = { type: 'AWS::Config::ConfigurationRecorder', id: ['requestParameters.configurationRecorderName'] };
const BUCKET: ResourceLocator = { type: 'AWS::S3::Bucket', id: ['requestParameters.bucketName'] };
// S3 Control names the account in a header; the record's own account is the fallback.
const S3_ACCOUNT: ResourceLocator = { type: 'AWS::::Account', id: ['requestParameters.x-amz-account-id', 'recipientAccountId', 'userIdentity.accountId'] };
const USER: ResourceLocator = { type: 'AWS::IAM::User', id: ['requestParameters.userName'] };
const ROLE: ResourceLocator = { type: 'AWS::IAM::Role', id: ['requestParameters.roleName'] };
const GROUP: ResourceLocator = { type: 'AWS::IAM::Group', id: ['requestParameters.groupName'] };
// KMS records name the key in `resources[]` (full ARN); trimmed records only in the request.
const KEY: ResourceLocator = { type: 'AWS::KMS::Key', id: ['resources.ARN', 'responseElements.keyId', 'requestParameters.keyId'] };

export const CLOUDTRAIL_RESOURCES: Readonly<Record<string, ResourceLocator>> = {
  'cloudtrail.amazonaws.com:StopLogging': TRAIL,
  'cloudtrail.amazonaws.com:DeleteTrail': TRAIL,
  'cloudtrail.amazonaws.com:UpdateTrail': TRAIL,
  'cloudtrail.amazonaws.com:PutEventSelectors': TRAIL,
  'guardduty.amazonaws.com:DeleteDetector': DETECTOR,
  'guardduty.amazonaws.com:UpdateDetector': DETECTOR,
  'config.amazonaws.com:StopConfigurationRecorder': RECORDER,
  'config.amazonaws.com:DeleteConfigurationRecorder': RECORDER,
  'config.amazonaws.com:DeleteDeliveryChannel': { type: 'AWS::Config::DeliveryChannel', id: ['requestParameters.deliveryChannelName'] },
  'ec2.amazonaws.com:AuthorizeSecurityGroupIngress': { type: 'AWS::EC2::SecurityGroup', id: ['requestParameters.groupId', 'requestParameters.groupName'] },
  's3.amazonaws.com:PutBucketPolicy': BUCKET,
  's3.amazonaws.com:PutBucketAcl': BUCKET,
  's3.amazonaws.com:PutBucketPublicAccessBlock': BUCKET,
  's3.amazonaws.com:DeleteBucketPublicAccessBlock': BUCKET,
  's3.amazonaws.com:PutPublicAccessBlock': S3_ACCOUNT,
  's3.amazonaws.com:DeletePublicAccessBlock': S3_ACCOUNT,
  's3.amazonaws.com:PutAccountPublicAccessBlock': S3_ACCOUNT,
  's3.amazonaws.com:DeleteAccountPublicAccessBlock': S3_ACCOUNT,
  'iam.amazonaws.com:CreateAccessKey': { type: 'AWS::IAM::AccessKey', id: ['responseElements.accessKey.accessKeyId'] },
  'iam.amazonaws.com:AttachUserPolicy': USER,
  'iam.amazonaws.com:PutUserPolicy': USER,
  'iam.amazonaws.com:AttachRolePolicy': ROLE,
  'iam.amazonaws.com:PutRolePolicy': ROLE,
  'iam.amazonaws.com:AttachGroupPolicy': GROUP,
  'iam.amazonaws.com:PutGroupPolicy': GROUP,
  'kms.amazonaws.com:ScheduleKeyDeletion': KEY,
  'kms.amazonaws.com:DisableKey': KEY,
};
