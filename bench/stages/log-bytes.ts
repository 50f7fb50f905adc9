/**
 * CloudWatch Logs bytes per event: the first part of the stream through the handler as
 * deployed (metrics on, INFO logs) in a child process whose output is counted, not
 * printed. The main ingest run keeps telemetry off (quiet, and its CPU figure is the
 * ingest path alone); the difference in CPU per event is reported too.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { round } from '../lib/stats.js';
import type { BenchContext, Stage } from './types.js';

/** Events of the stream the child ingests (a prefix: the mix of sources is the same). */
const SAMPLE = 2000;

export const logBytesStage: Stage = {
  name: 'log-bytes',
  phase: 'dynamo',
  async run(ctx: BenchContext) {
    const table = await ctx.dynamo!.freshTable('vigil-bench-logs', { stream: false });
    const out = join(ctx.tmp, 'log-bytes.json');
    // Leave 300 events after the sample for the run in batches of 2 (log-bytes-child.ts).
    const events = Math.max(1, Math.min(SAMPLE, ctx.stream.events.length - 300));
    execFileSync(
      process.execPath,
      ['--import', 'tsx', 'bench/stages/log-bytes-child.ts', join(ctx.tmp, 'stream.json'), table, ctx.dynamo!.endpoint, String(events), String(ctx.args.batchSize), out],
      { cwd: ctx.root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
    );
    const r = JSON.parse(readFileSync(out, 'utf8')) as {
      events: number;
      invocations: number;
      emfBytes: number;
      emfLines: number;
      logBytes: number;
      logLines: number;
      otherBytes: number;
      cpuMsPerEventWithTelemetry: number;
      small: { events: number; invocations: number; emfBytes: number; logBytes: number };
    };
    // EMF bytes per invocation = fixed + perEvent x n, from batches of `batchSize` and of 2.
    const bigN = r.events / r.invocations;
    const smallN = r.small.events / Math.max(1, r.small.invocations);
    const bigPer = r.emfBytes / r.invocations;
    const smallPer = r.small.emfBytes / Math.max(1, r.small.invocations);
    const emfPerEvent = bigN > smallN ? (bigPer - smallPer) / (bigN - smallN) : 0;
    const emfFixed = Math.max(0, bigPer - emfPerEvent * bigN);
    ctx.log(`log bytes: ${r.emfLines} EMF lines, ${r.logLines} log lines for ${r.events} events`);
    return {
      details: {
        logBytes: {
          events: r.events,
          invocations: r.invocations,
          emfBytesPerEvent: round(r.emfBytes / r.events, 1),
          appLogBytesPerEvent: round(r.logBytes / r.events, 1),
          otherBytesPerEvent: round(r.otherBytes / r.events, 1),
          emfBytesPerInvocation: round(r.emfBytes / r.invocations, 0),
          emfModel: { fixedBytesPerInvocation: round(emfFixed, 0), bytesPerEvent: round(emfPerEvent, 1), fittedFrom: { batchOf: [round(bigN, 1), round(smallN, 1)], bytesPerInvocation: [round(bigPer, 0), round(smallPer, 0)] } },
          logLinesPerEvent: round(r.logLines / r.events, 3),
          cpuMsPerEventWithTelemetry: round(r.cpuMsPerEventWithTelemetry, 4),
          note: 'the first events of the stream through the handler with POWERTOOLS_METRICS_DISABLED=false and POWERTOOLS_LOG_LEVEL=INFO (Powertools default, as deployed); Lambda platform lines (start/report) are added in the cost stage',
        },
      },
    };
  },
};
