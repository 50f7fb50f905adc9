#!/usr/bin/env node
// Runs before `npm start` and `npm test` (prestart, pretest): on a fresh clone, or after
// package-lock.json changed, it installs exactly the locked dependencies (npm ci), so
// each command works on its own. Node built-ins only: nothing is installed yet.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';

const LOCK = 'package-lock.json';
// npm writes this after every install: what node_modules holds.
const INSTALLED = 'node_modules/.package-lock.json';

function whyInstall() {
  if (!existsSync(INSTALLED)) return 'node_modules is missing';
  if (statSync(LOCK).mtimeMs > statSync(INSTALLED).mtimeMs) {
    const wanted = JSON.parse(readFileSync(LOCK, 'utf8')).packages ?? {};
    const have = JSON.parse(readFileSync(INSTALLED, 'utf8')).packages ?? {};
    const differs = Object.entries(wanted).find(([path, p]) => path !== '' && !p.optional && have[path]?.version !== p.version);
    if (differs) return `${differs[0].replace(/^node_modules\//, '')} is not at the locked version`;
  }
  return undefined;
}

const reason = whyInstall();
if (reason) {
  console.error(`${reason}: installing the locked dependencies (npm ci)`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const run = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
}
