/**
 * The pure core's CPU per event against JSON.parse of the same event's text, side by
 * side in one process: normalizeEvent, routing (resolveOwnership over an in-memory
 * directory) and fold into an in-memory state map, no I/O.
 *
 * Steady state, as a Lambda instance runs after its first few thousand events: the
 * passes alternate until the core pass's time settles (V8 compiles the core's functions
 * on background threads meanwhile, and process.cpuUsage counts those threads), then each
 * round times several passes of each, the order alternating, and the median of the
 * rounds' ratios is reported. The first pass's ratio, compilation included, is reported
 * beside it (`firstPassRatio`).
 */
import { readFileSync } from 'node:fs';
import { InvalidEventError } from '../../functions/shared/core/errors.js';
import { DEFAULT_FOLD_OPTIONS, fold, type FindingState } from '../../functions/shared/core/lifecycle.js';
import { normalizeEvent } from '../../functions/shared/core/normalizers/index.js';
import { parseVigilConfig } from '../../functions/shared/core/routing/config.js';
import { ownershipOf, resolveOwnership } from '../../functions/shared/core/routing/resolve.js';
import { cpuMs, median, round } from '../lib/stats.js';
import type { BenchContext, Stage } from './types.js';

/** Events per pass: the stream's first 2,000, every source in its proportion. */
const SAMPLE = 2000;
/** Passes of each kind per round: a round's reading then spans a few garbage collections, not one. */
const PASSES_PER_ROUND = 5;
/** Warm-up ends when the median core pass of the last WINDOW is within SETTLED of the WINDOW before... */
const WARM_UP_WINDOW = 5;
const SETTLED = 0.1;
/** ...and at least this many passes were made, at most the other. */
const WARM_UP_MIN = 20;
const WARM_UP_MAX = 80;

export const coreCpuStage: Stage = {
  name: 'core-cpu',
  phase: 'cpu',
  async run(ctx: BenchContext) {
    const texts = ctx.stream.events.slice(0, SAMPLE).map((e) => e.body);
    const parsed = texts.map((t) => JSON.parse(t) as unknown);
    const config = parseVigilConfig(readFileSync('config/vigil.yaml', 'utf8'), 'config/vigil.yaml');
    const directory = new Map(ctx.stream.accounts.map((a) => [a.id, a]));
    const now = new Date(ctx.stream.window.end);

    const parsePass = () => {
      const c0 = process.cpuUsage();
      let keep = 0;
      for (const text of texts) keep += (JSON.parse(text) as { id?: string }).id ? 1 : 0;
      return { ms: cpuMs(c0), keep };
    };
    const corePass = () => {
      const c0 = process.cpuUsage();
      const state = new Map<string, FindingState>();
      let decisions = 0;
      for (const event of parsed) {
        let result;
        try {
          result = normalizeEvent(event);
        } catch (error) {
          if (error instanceof InvalidEventError) continue;
          throw error;
        }
        if (result.kind !== 'findings') continue;
        for (const observation of result.observations) {
          const ownership = ownershipOf(resolveOwnership(observation, directory.get(observation.accountId), config, now));
          const decision = fold(state.get(observation.id), observation, { ...DEFAULT_FOLD_OPTIONS, ownership });
          decisions++;
          if (decision.kind !== 'noop') state.set(observation.id, decision.next);
        }
      }
      return { ms: cpuMs(c0), decisions };
    };

    // Warm-up: alternate until the core pass's time stops falling (see the comment at the top).
    const first = { parse: parsePass().ms, core: corePass().ms };
    const warmUpCoreMs: number[] = [first.core];
    let settled = false;
    while (warmUpCoreMs.length < WARM_UP_MAX) {
      parsePass();
      warmUpCoreMs.push(corePass().ms);
      if (warmUpCoreMs.length < Math.max(WARM_UP_MIN, 2 * WARM_UP_WINDOW)) continue;
      const last = median(warmUpCoreMs.slice(-WARM_UP_WINDOW));
      const before = median(warmUpCoreMs.slice(-2 * WARM_UP_WINDOW, -WARM_UP_WINDOW));
      if (Math.abs(last - before) <= SETTLED * before) {
        settled = true;
        break;
      }
    }

    const ratios: number[] = [];
    const parseMs: number[] = [];
    const coreMs: number[] = [];
    let decisions = 0;
    for (let r = 0; r < ctx.args.cpuRounds; r++) {
      let p = 0;
      let c = 0;
      for (let i = 0; i < PASSES_PER_ROUND; i++) {
        const parseFirst = (r + i) % 2 === 0;
        if (parseFirst) p += parsePass().ms;
        const core = corePass();
        c += core.ms;
        decisions = core.decisions;
        if (!parseFirst) p += parsePass().ms;
      }
      parseMs.push(p / PASSES_PER_ROUND);
      coreMs.push(c / PASSES_PER_ROUND);
      ratios.push(c / p);
    }
    const ratio = median(ratios);
    const n = texts.length;
    ctx.log(`core/JSON.parse CPU ratio ${ratio.toFixed(2)} over ${ctx.args.cpuRounds} rounds of ${PASSES_PER_ROUND} x ${n} events, after ${warmUpCoreMs.length} warm-up passes${settled ? '' : ' (not settled)'}; first pass ${(first.core / first.parse).toFixed(2)}`);
    return {
      coreCpuRatioToJsonParse: round(ratio, 2),
      details: {
        coreCpu: {
          events: n,
          rounds: ctx.args.cpuRounds,
          passesPerRound: PASSES_PER_ROUND,
          warmUpPasses: warmUpCoreMs.length,
          warmUpSettled: settled,
          firstPassRatio: round(first.core / first.parse, 2),
          firstPassCoreUsPerEvent: round((first.core / n) * 1000, 2),
          decisionsPerRound: decisions,
          meanBodyBytes: Math.round(texts.reduce((s, t) => s + Buffer.byteLength(t), 0) / n),
          jsonParseUsPerEventMedian: round((median(parseMs) / n) * 1000, 2),
          coreUsPerEventMedian: round((median(coreMs) / n) * 1000, 2),
          ratioMin: round(Math.min(...ratios), 2),
          ratioMax: round(Math.max(...ratios), 2),
          what: 'steady state (see firstPassRatio for the first pass, compilation included); core = normalizeEvent (zod validation + normalizer) + resolveOwnership (in-memory directory, config/vigil.yaml) + fold into a Map; parse = JSON.parse of the same SQS bodies',
        },
      },
    };
  },
};
