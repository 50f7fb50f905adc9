/**
 * Event to Slack, end to end, through what `npm start` runs: `vigil local` as a child
 * process (its own DynamoDB Local, the local bus with the template's rules, the queues,
 * the ingest function, the stream poller, the notifier, the local Slack server). New
 * GuardDuty findings are sent with @aws-sdk/client-eventbridge PutEvents to its bus at a
 * steady rate; each one's latency is from just before its PutEvents call to the moment
 * the local Slack server recorded the message about that finding (both clocks are this
 * machine's).
 *
 * The organization and configuration are the bench's own (written to bench/tmp/e2e): one
 * account per team, every team with a Slack webhook and LOW as its minimum severity, and
 * enough teams that none reaches the notifier's burst threshold in one window: a roll-up
 * would replace the very message being timed. Locally there are no batching windows
 * (SQS's 5 s and the stream's 2 s in AWS): this is the time Vigil itself takes.
 *
 * Steady state: the first seconds of a fresh `vigil local` are slower (Node and
 * DynamoDB Local still compiling their hot paths: 0.4 to 1.1 s per event here, against
 * under 0.35 s after). Five seconds of warm-up events go first, the same way, and are
 * reported apart (`warmUp`); the timed events follow once every warm-up message arrived.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { RecordedMessage } from '../../cli/local/slack-server.js';
import { loadTemplate } from '../../cli/local/template.js';
import { normalizeEvent } from '../../functions/shared/core/normalizers/index.js';
import { parseVigilConfig } from '../../functions/shared/core/routing/config.js';
import { loadEvent } from '../../test/support/events.js';
import { median, percentile, round } from '../lib/stats.js';
import type { BenchContext, Stage } from './types.js';

/** A GuardDuty finding from the corpus, cloned with a new id, account and time for each event. */
const TEMPLATE_EVENT = 'corpus/guardduty/eventbridge-derived/sekoia-intake-formats__event_instance_network__UnauthorizedAccess_EC2_TorRelay.json';
/** How long to wait for the last messages after the last event was sent. */
const SETTLE_MS = 60_000;
/** Warm-up, at the stage's rate, before the timed events. */
const WARM_UP_SECONDS = 5;

type Json = Record<string, unknown>;

/** The burst threshold the template gives the notifier (messages per team and window sent one by one). */
function burstThreshold(): number {
  const vars = (loadTemplate('template.yaml').Resources.NotifierFunction?.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  return Number(vars.BURST_THRESHOLD ?? 20);
}

function writeSetup(dir: string, teams: number): { config: string; org: string; accounts: string[]; warmup: string } {
  mkdirSync(dir, { recursive: true });
  const names = Array.from({ length: teams }, (_, i) => `team-${String(i).padStart(2, '0')}`);
  const accounts = names.map((_, i) => String(710000000000 + i * 1001));
  const config = [
    '# Written by bench/stages/e2e.ts: one account per team, every team on Slack.',
    `defaultTeam: ${names[0]}`,
    'ownership:',
    '  accountTagKey: owner-team',
    'teams:',
    ...names.flatMap((n) => [`  ${n}:`, `    slack: { channel: '#${n}', webhookSecretName: vigil/slack/${n} }`, '    minSeverity: LOW']),
    '',
  ].join('\n');
  parseVigilConfig(config, 'bench e2e configuration');
  const org = [
    'accounts:',
    ...accounts.flatMap((id, i) => [`  - id: '${id}'`, `    name: bench-${names[i]}`, `    email: aws+bench-${id}@example.com`, '    status: ACTIVE', '    ouPath: /Root/Workloads', `    tags: { owner-team: ${names[i]} }`]),
    '',
  ].join('\n');
  const paths = { config: join(dir, 'vigil.yaml'), org: join(dir, 'organization.yaml'), warmup: join(dir, 'warmup.json') };
  writeFileSync(paths.config, config);
  writeFileSync(paths.org, org);
  // One event replayed at start: the path is warm (modules loaded, connections open) before timing.
  writeFileSync(paths.warmup, JSON.stringify(findingEvent(accounts[0]!, 'bench-e2e-warmup', new Date())));
  return { ...paths, accounts };
}

function findingEvent(accountId: string, id: string, at: Date): Json {
  const event = loadEvent(TEMPLATE_EVENT) as Json & { detail: Json & { service?: Json & { additionalInfo?: Json } } };
  const service = { ...(event.detail.service ?? {}), additionalInfo: { ...(event.detail.service?.additionalInfo ?? {}), sample: false } };
  const time = at.toISOString();
  return { ...event, time, detail: { ...event.detail, id, accountId, severity: 8, title: `Bench e2e: ${id} talks to a Tor relay`, createdAt: time, updatedAt: time, service } };
}

async function startVigilLocal(root: string, args: string[]): Promise<{ child: ChildProcess; urls: Record<string, string> }> {
  const child = spawn(process.execPath, ['bin/vigil.mjs', 'local', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 180_000;
  while (!/^ready$/m.test(output)) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGINT');
      throw new Error(`vigil local did not become ready:\n${output.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const urls: Record<string, string> = {};
  for (const [, name, url] of output.matchAll(/^(\w+)\s+(http:\/\/127\.0\.0\.1:\d+)/gm)) urls[name!] = url!;
  return { child, urls };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGINT');
  await exited;
}

export const e2eStage: Stage = {
  name: 'e2e',
  phase: 'runtime',
  async run(ctx: BenchContext) {
    const events = ctx.args.e2eEvents;
    const rate = ctx.args.e2eRate;
    const warmUpEvents = Math.ceil(WARM_UP_SECONDS * rate);
    // Under the threshold per team even if every event fell into one burst window.
    const perTeam = Math.max(1, burstThreshold() - 5);
    const teams = Math.ceil((warmUpEvents + events) / perTeam);
    const setup = writeSetup(join(ctx.tmp, 'e2e'), teams);
    const startedAt = Date.now();
    const { child, urls } = await startVigilLocal(ctx.root, ['--config', setup.config, '--org', setup.org, '--events', setup.warmup]);
    ctx.log(`e2e: vigil local ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s; ${warmUpEvents} warm-up events, then ${events} events at ${rate}/s over ${teams} teams`);
    const eventbridge = new EventBridgeClient({ endpoint: urls.bus, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const failedPuts: string[] = [];
    const messages: RecordedMessage[] = [];

    /** Sends `count` new findings at the stage's rate; their send times by finding id. */
    const sendAtRate = async (prefix: string, count: number, firstAccount: number): Promise<Map<string, number>> => {
      const sent = new Map<string, number>();
      const t0 = Date.now() + 200;
      for (let i = 0; i < count; i++) {
        const due = t0 + (i * 1000) / rate;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const event = findingEvent(setup.accounts[(firstAccount + i) % setup.accounts.length]!, `${prefix}-${String(i).padStart(5, '0')}`, new Date());
        const expected = normalizeEvent(event);
        if (expected.kind !== 'findings') throw new Error(`the e2e event is not a finding: ${JSON.stringify(expected).slice(0, 300)}`);
        const findingId = expected.observations[0]!.id;
        const at = Date.now();
        const out = await eventbridge.send(new PutEventsCommand({ Entries: [{ Source: String(event.source), DetailType: String(event['detail-type']), Detail: JSON.stringify(event.detail), Time: new Date(String(event.time)) }] }));
        if (out.FailedEntryCount) failedPuts.push(findingId);
        else sent.set(findingId, at);
      }
      return sent;
    };
    /** Waits until Slack recorded a message for every finding sent (or the settle time passed). */
    const awaitSlack = async (sent: Map<string, number>): Promise<void> => {
      const deadline = Date.now() + SETTLE_MS;
      for (;;) {
        const recorded = ((await (await fetch(`${urls.slack}/messages`)).json()) as { messages: RecordedMessage[] }).messages;
        messages.splice(0, messages.length, ...recorded);
        const seen = new Set(messages.map((m) => /finding `([^`]+)`/.exec(JSON.stringify(m.blocks))?.[1]));
        if ([...sent.keys()].every((id) => seen.has(id)) || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    /** First-message latency per finding, and how many findings got more than one message. */
    const latenciesOf = (sent: Map<string, number>) => {
      const latencies: number[] = [];
      const perFinding = new Map<string, number>();
      for (const m of messages) {
        const id = /finding `([^`]+)`/.exec(JSON.stringify(m.blocks))?.[1];
        const at = id ? sent.get(id) : undefined;
        if (!id || at === undefined) continue;
        perFinding.set(id, (perFinding.get(id) ?? 0) + 1);
        if (perFinding.get(id) === 1) latencies.push(Date.parse(m.receivedAt) - at);
      }
      return { latencies, perFinding };
    };

    let sent: Map<string, number>;
    let warmUp: Map<string, number>;
    try {
      warmUp = await sendAtRate('bench-e2e-warm', warmUpEvents, 0);
      await awaitSlack(warmUp);
      sent = await sendAtRate('bench-e2e', events, warmUpEvents);
      await awaitSlack(sent);
    } finally {
      eventbridge.destroy();
      await stopChild(child);
    }

    const warm = latenciesOf(warmUp).latencies;
    const { latencies, perFinding } = latenciesOf(sent);
    const missing = [...sent.keys()].filter((id) => !perFinding.has(id));
    const duplicates = [...perFinding.values()].reduce((s, c) => s + Math.max(0, c - 1), 0);
    const p99 = round(percentile(latencies, 99), 1);
    ctx.log(`e2e: ${latencies.length}/${sent.size} events reached Slack, p50 ${round(median(latencies), 1)} ms, p99 ${p99} ms (${missing.length} missing, ${duplicates} duplicates)`);
    return {
      e2eP99Ms: latencies.length ? p99 : null,
      ...(latencies.length ? {} : { pending: { e2eP99Ms: 'no event reached Slack: see details.e2e' } }),
      details: {
        e2e: {
          sent: sent.size,
          notified: latencies.length,
          p50Ms: round(median(latencies), 1),
          p90Ms: round(percentile(latencies, 90), 1),
          p99Ms: p99,
          maxMs: round(Math.max(...latencies), 1),
          minMs: round(Math.min(...latencies), 1),
          ratePerSecond: rate,
          warmUp: { events: warmUp.size, notified: warm.length, p50Ms: round(median(warm), 1), maxMs: warm.length ? round(Math.max(...warm), 1) : null },
          teams,
          missing: missing.length,
          duplicates,
          failedPuts: failedPuts.length,
          note: 'vigil local (npm start) in a child process, after warmUp (5 s of events at the same rate, every message arrived); PutEvents with @aws-sdk/client-eventbridge one event per call at a steady rate; latency = Slack server receivedAt - time before PutEvents; locally there are no SQS (5 s) or stream (2 s) batching windows',
        },
      },
    };
  },
};
