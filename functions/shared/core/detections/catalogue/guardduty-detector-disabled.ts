import { defineDetection } from '../types.js';

/** GuardDuty was switched off in a Region. */
export const guardDutyDetectorDisabled = defineDetection({
  id: 'guardduty-detector-disabled',
  title: 'GuardDuty detector disabled',
  severity: 'HIGH',
  description: 'A GuardDuty detector was deleted or suspended: threat detection stopped in that account and Region.',
  remediation: 'Re-enable GuardDuty (the delegated administrator can re-enable members), find out who disabled it, and deny guardduty:DeleteDetector and guardduty:UpdateDetector by SCP.',
  match: [
    { eventSource: ['guardduty.amazonaws.com'], eventName: ['DeleteDetector'] },
    { eventSource: ['guardduty.amazonaws.com'], eventName: ['UpdateDetector'], where: [{ path: 'requestParameters.enable', op: 'equals', values: [false] }] },
  ],
  resource: 'event',
  references: ['Security Hub GuardDuty.1'],
});
