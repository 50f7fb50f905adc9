#!/usr/bin/env node
// Vigil's command line. Runs the TypeScript sources directly through tsx, so the
// commands use exactly the code the Lambda bundles are built from.
import { register } from 'tsx/esm/api';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('../cli/vigil.ts');
process.exitCode = await main(process.argv.slice(2));
