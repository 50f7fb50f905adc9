/**
 * Proves each function's bundle loads as Lambda loads it: a fresh Node process imports
 * it with the environment template.yaml gives that function (references filled with
 * placeholders) and finds the `handler` export. Module-level code (configuration read
 * once, clients created) runs, so a bundle that cannot start fails here, not in AWS.
 *
 *   tsx scripts/check-bundles.ts .aws-sam/build     (after sam build)
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { loadTemplate, type CfnTemplate } from '../cli/local/template.js';

/** The function's environment with every intrinsic replaced by a recognizable placeholder. */
export function placeholderEnvironment(template: CfnTemplate, logicalId: string): Record<string, string> {
  const globals = ((template.Globals as { Function?: { Environment?: { Variables?: Record<string, unknown> } } } | undefined)?.Function?.Environment?.Variables ?? {}) as Record<string, unknown>;
  const own = ((template.Resources[logicalId]?.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, unknown>;
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...globals, ...own })) {
    const resolved = resolveDefault(template, value);
    env[key] = resolved ?? `placeholder-${key.toLowerCase()}`;
  }
  // NODE_OPTIONS=--enable-source-maps is Lambda's business; keep the check's process plain.
  delete env.NODE_OPTIONS;
  return env;
}

/**
 * A value as a stack with every parameter at its default would see it in us-east-1:
 * plain values, `!Ref` to a pseudo parameter or a parameter with a non-empty default, and
 * `!If` on a condition made of Equals/Not/And/Or over those. Undefined for anything else
 * (a resource's name or ARN), which the caller replaces with a placeholder.
 */
export function resolveDefault(template: CfnTemplate, value: unknown): string | undefined {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') {
    if (v.Ref === 'AWS::Region') return 'us-east-1';
    if (v.Ref === 'AWS::AccountId') return '123456789012';
    const fallback = (template.Parameters as Record<string, { Default?: unknown }> | undefined)?.[v.Ref]?.Default;
    return fallback === undefined || fallback === '' ? undefined : String(fallback);
  }
  if (Array.isArray(v['Fn::If'])) {
    const [condition, whenTrue, whenFalse] = v['Fn::If'] as [string, unknown, unknown];
    const holds = evaluateCondition(template, (template.Conditions as Record<string, unknown> | undefined)?.[condition]);
    return holds === undefined ? undefined : resolveDefault(template, holds ? whenTrue : whenFalse);
  }
  return undefined;
}

function evaluateCondition(template: CfnTemplate, condition: unknown): boolean | undefined {
  if (typeof condition !== 'object' || condition === null) return undefined;
  const c = condition as Record<string, unknown>;
  const args = (name: string) => (Array.isArray(c[name]) ? (c[name] as unknown[]) : undefined);
  const parameter = (x: unknown): string | undefined => {
    const ref = (x as { Ref?: unknown } | null)?.Ref;
    if (typeof ref !== 'string') return typeof x === 'string' ? x : undefined;
    if (ref === 'AWS::Region') return 'us-east-1';
    const fallback = (template.Parameters as Record<string, { Default?: unknown }> | undefined)?.[ref]?.Default;
    return fallback === undefined ? undefined : String(fallback);
  };
  if (typeof c.Condition === 'string') return evaluateCondition(template, (template.Conditions as Record<string, unknown> | undefined)?.[c.Condition]);
  const equals = args('Fn::Equals');
  if (equals) {
    const [a, b] = equals.map(parameter);
    return a === undefined || b === undefined ? undefined : a === b;
  }
  const not = args('Fn::Not');
  if (not) {
    const inner = evaluateCondition(template, not[0]);
    return inner === undefined ? undefined : !inner;
  }
  for (const [name, all] of [['Fn::And', true], ['Fn::Or', false]] as const) {
    const list = args(name)?.map((x) => evaluateCondition(template, x));
    if (!list) continue;
    if (list.some((x) => x === undefined)) return undefined;
    return all ? list.every(Boolean) : list.some(Boolean);
  }
  return undefined;
}

/**
 * Imports the bundle from a copy of its directory in a fresh temporary one, as Lambda's
 * /var/task holds it: no node_modules above, so a package the template marks External
 * and the bundle imports at start-up fails here (one it imports only later, on a path
 * taken at run time, cannot fail here). The environment has keys, as Lambda's has the
 * execution role's.
 */
export function checkBundle(file: string, env: Record<string, string>): string | undefined {
  const task = mkdtempSync(join(tmpdir(), 'vigil-task-'));
  try {
    const above = nodeModulesAbove(task);
    if (above) return `cannot check in isolation: ${above} is above the temporary directory (set TMPDIR elsewhere)`;
    cpSync(dirname(resolve(file)), task, { recursive: true });
    const run = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `const m = await import(${JSON.stringify(join(task, basename(file)))}); if (typeof m.handler !== 'function') { console.error('no handler export'); process.exit(1); }`],
      { cwd: task, env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'check', AWS_SECRET_ACCESS_KEY: 'check', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env }, encoding: 'utf8' },
    );
    return run.status === 0 ? undefined : problemOf(run);
  } finally {
    rmSync(task, { recursive: true, force: true });
  }
}

/** The first node_modules a bare import from `dir` could resolve to, if any. */
function nodeModulesAbove(dir: string): string | undefined {
  for (let at = dirname(dir); ; at = dirname(at)) {
    if (existsSync(join(at, 'node_modules'))) return join(at, 'node_modules');
    if (dirname(at) === at) return undefined;
  }
}

function problemOf(run: { status: number | null; stderr: string; stdout: string }): string {
  // Minified bundles print whole lines of code around an error: keep the message.
  const message = (run.stderr || run.stdout).split('\n').find((line) => /Error|error:|required|Cannot/.test(line) && line.length < 400);
  return message ?? `exit status ${run.status}`;
}

if (process.argv[1]?.endsWith('check-bundles.ts')) {
  const dir = process.argv[2] ?? '.aws-sam/build';
  const template = loadTemplate('template.yaml');
  let failed = 0;
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Serverless::Function') continue;
    const file = join(dir, logicalId, 'handler.mjs');
    if (!existsSync(file)) {
      console.error(`missing: ${file}`);
      failed++;
      continue;
    }
    const problem = checkBundle(file, placeholderEnvironment(template, logicalId));
    if (problem) failed++;
    console.log(`${problem ? 'does not load' : 'loads'}: ${file}${problem ? `: ${problem}` : ''}`);
  }
  process.exitCode = failed ? 1 : 0;
}
