import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// Load, fault and bad-input tests (npm run test:faults): slower than `npm test`, so apart
// from it, with the integration project's environment and its DynamoDB Local.
const integration = base.test?.projects?.find((p) => typeof p === 'object' && 'test' in p && p.test?.name === 'integration') as { test: { env: Record<string, string> } } | undefined;
if (!integration) throw new Error('vitest.config.ts has no integration project to take the environment from');

export default defineConfig({
  test: {
    name: 'faults',
    include: ['test/faults/**/*.test.ts'],
    env: integration.test.env,
    setupFiles: ['test/support/config-files.ts'],
    globalSetup: ['test/support/dynamodb-global-setup.ts'],
    // One file at a time: the cases measure throughput on one shared DynamoDB Local.
    fileParallelism: false,
    testTimeout: 180_000,
    // Powertools warns on every invocation that publishes no metric (metrics are off in tests).
    onConsoleLog: (log) => !log.includes('No application metrics to publish'),
    hookTimeout: 120_000,
  },
});
