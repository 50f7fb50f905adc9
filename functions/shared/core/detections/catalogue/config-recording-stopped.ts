import { defineDetection } from '../types.js';

/** AWS Config stopped recording or delivering. */
export const configRecordingStopped = defineDetection({
  id: 'config-recording-stopped',
  title: 'AWS Config recording stopped',
  severity: 'HIGH',
  description: 'The AWS Config recorder was stopped or deleted, or its delivery channel deleted: configuration changes and compliance are no longer tracked.',
  remediation: 'Restart or recreate the recorder and delivery channel (StartConfigurationRecorder), find out who stopped it, and deny these calls by SCP.',
  match: [{ eventSource: ['config.amazonaws.com'], eventName: ['StopConfigurationRecorder', 'DeleteConfigurationRecorder', 'DeleteDeliveryChannel'] }],
  resource: 'event',
  references: ['CIS AWS Foundations Benchmark v1.4.0 4.9', 'Security Hub CloudWatch.9, Config.1'],
});
