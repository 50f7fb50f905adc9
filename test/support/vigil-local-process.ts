import { spawn, spawnSync } from 'node:child_process';

/** `npm start`, as a child process: what a user runs. */
export const VIGIL_LOCAL = ['bin/vigil.mjs', 'local'];

export interface VigilLocalProcess {
  /** The endpoints it printed, by name: dynamodb, slack, sns, api, bus. */
  urls: Record<string, string>;
  /** The admin token it printed for the query API. */
  adminToken: string;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** Ctrl-C, as a user stops it; resolves once it has stopped what it started. */
  stop(): Promise<void>;
}

/** The last line of a `--once` run: its JSON summary. */
export function lastJsonLine(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}

/** A team's token for the local query API, from `vigil token` (its last line). */
export function teamToken(team: string): string {
  const run = spawnSync(process.execPath, ['bin/vigil.mjs', 'token', '--team', team], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`vigil token --team ${team} failed: ${run.stderr}`);
  return run.stdout.trim().split('\n').pop()!;
}

/** Starts `vigil local` with the arguments and waits until it prints `ready`. */
export async function startVigilLocal(args: string[] = [], timeoutMs = 150_000): Promise<VigilLocalProcess> {
  const child = spawn(process.execPath, [...VIGIL_LOCAL, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
  };
  const deadline = Date.now() + timeoutMs;
  while (!/^ready$/m.test(output)) {
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`vigil local did not become ready:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const urls: Record<string, string> = {};
  for (const [, name, url] of output.matchAll(/^(\w+)\s+(http:\/\/127\.0\.0\.1:\d+)/gm)) urls[name!] = url!;
  const adminToken = /^admin token: (\S+)$/m.exec(output)?.[1];
  if (!adminToken) {
    await stop();
    throw new Error(`vigil local printed no admin token:\n${output}`);
  }
  return { urls, adminToken, output: () => output, stop };
}
