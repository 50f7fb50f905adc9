import { defineDetection } from '../types.js';

/** A security group now accepts traffic from the whole internet. */
export const securityGroupOpenIngress = defineDetection({
  id: 'security-group-open-ingress',
  title: 'Security group open to the internet',
  severity: 'HIGH',
  description: 'An ingress rule was added that allows traffic from 0.0.0.0/0 or ::/0 (any address).',
  remediation: 'Replace the rule with the narrowest source that works (a prefix list, a security group, a known CIDR) or use Session Manager instead of open SSH/RDP.',
  // Both request shapes: ipPermissions (console, SDKs) and the legacy flat cidrIp.
  match: [
    {
      eventSource: ['ec2.amazonaws.com'],
      eventName: ['AuthorizeSecurityGroupIngress'],
      where: [
        {
          path: [
            'requestParameters.ipPermissions.items.ipRanges.items.cidrIp',
            'requestParameters.ipPermissions.items.ipv6Ranges.items.cidrIpv6',
            'requestParameters.cidrIp',
          ],
          op: 'cidr-open',
        },
      ],
    },
  ],
  resource: 'event',
  references: ['CIS AWS Foundations Benchmark v1.4.0 5.2, 5.3', 'Security Hub EC2.18, EC2.19'],
});
