import { defineConfig } from 'vitest/config';

// The AWS SDK warns about Node 20 on every client; test.env does not reach globalSetup.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const env = {
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  POWERTOOLS_DEV: 'true',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_SERVICE_NAME: 'test',
  POWERTOOLS_METRICS_NAMESPACE: 'VigilTest',
};

// `VIGIL_CONFIG_FILE` works in every test, as in `vigil local` (functions/shared/runtime/config.ts).
const setupFiles = ['test/support/config-files.ts'];

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/meta/**/*.test.ts'], env, setupFiles } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          env,
          setupFiles,
          globalSetup: ['test/support/dynamodb-global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      // Vigil as a user runs it: child processes that start their own DynamoDB Local.
      { test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], env, setupFiles, testTimeout: 180_000, hookTimeout: 180_000 } },
      // What a person sees, in headless Chromium (Debian's, installed by the setup when missing); screenshots for the README.
      { test: { name: 'browser', include: ['test/browser/**/*.test.ts'], env, setupFiles, globalSetup: ['test/support/chromium-global-setup.ts'], testTimeout: 180_000, hookTimeout: 180_000 } },
    ],
  },
});
