import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    chromiumExecutable: string;
  }
}

/** Debian's chromium package, which playwright-core drives: Playwright's own browser download cannot reach its host from here or from CI. */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/**
 * Debian packages the browser tests use: Chromium itself, and the colour emoji font, without
 * which the Slack page's emoji (severity circles, ✅) come out as empty boxes in screenshots.
 */
const PACKAGES = [
  { name: 'chromium', file: DEBIAN_CHROMIUM, required: true },
  { name: 'fonts-noto-color-emoji', file: '/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf', required: false },
];

function run(command: string): void {
  const started = Date.now();
  console.log(`browser tests: ${command}`);
  // No stdin (CI has none) and no prompts: apt-get must not wait for an answer. dpkg's
  // hundreds of "Setting up ..." lines are shown only when something went wrong.
  const result = spawnSync('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
    throw new Error(`browser tests: \`${command}\` failed (${result.error?.message ?? `exit status ${result.status ?? result.signal}`}):\n${output}`);
  }
  console.log(`browser tests: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function canInstall(): boolean {
  return process.platform === 'linux' && process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
}

/**
 * Makes sure a Chromium is there before any browser test starts, so `npm test` needs nothing
 * installed by hand: `VIGIL_CHROMIUM` names one to use; otherwise Debian's package, installed
 * here when it is missing and this process may (root, apt-get).
 */
export default function setup(project: TestProject): void {
  const chosen = process.env.VIGIL_CHROMIUM;
  if (chosen && !existsSync(chosen)) throw new Error(`browser tests: VIGIL_CHROMIUM=${chosen} does not exist`);
  const executable = chosen || DEBIAN_CHROMIUM;
  const missing = PACKAGES.filter((p) => !(p.file === DEBIAN_CHROMIUM && chosen) && !existsSync(p.file));
  if (missing.length > 0) {
    const names = missing.map((p) => p.name).join(' ');
    if (canInstall()) {
      console.log(`browser tests: installing Debian's ${names}`);
      run('apt-get update -qq');
      run(`apt-get install -y -qq ${names}`);
      const still = missing.filter((p) => !existsSync(p.file));
      if (still.length > 0) throw new Error(`browser tests: apt-get installed ${names}, but ${still.map((p) => p.file).join(', ')} is still missing`);
    } else if (missing.some((p) => p.required)) {
      throw new Error(
        `browser tests: no Chromium at ${DEBIAN_CHROMIUM}, and this process cannot install it (that needs root and apt-get).\n` +
          `Install it with \`sudo apt-get update && sudo apt-get install -y chromium fonts-noto-color-emoji\` (Debian, Ubuntu), or point VIGIL_CHROMIUM at a Chromium or Chrome executable.`,
      );
    } else {
      console.warn(`browser tests: ${names} is not installed (\`sudo apt-get install -y ${names}\`); emoji in screenshots will show as empty boxes`);
    }
  }
  const version = spawnSync(executable, ['--version'], { encoding: 'utf8' });
  if (version.status !== 0) throw new Error(`browser tests: ${executable} --version failed: ${version.stderr || version.error?.message}`);
  console.log(`browser tests: ${version.stdout.trim()} (${executable})`);
  project.provide('chromiumExecutable', executable);
}
