/**
 * The pure core's CPU per event against JSON.parse of the same event's text, side by
 * side in one process: normalizeEvent, routing (resolveOwnership over an in-memory
 * directory) and fold into an in-memory state map, no I/O. Rounds alternate which of the
 * two passes goes first; each round's ratio is taken and the median reported.
 */
import { readFileSync } from 'node:fs';
import { InvalidEventError } from '../../functions/shared/core/errors.js';
import { DEFAULT_FOLD_OPTIONS, fold, type FindingState } from '../../functions/shared/core/lifecycle.js';
import { normalizeEvent } from '../../functions/shared/core/normalizers/index.js';
import { parseVigilConfig } from '../../functions/shared/core/routing/config.js';
import { ownershipOf, resolveOwnership } from '../../functions/shared/core/routing/resolve.js';
import { cpuMs, median, round } from '../lib/stats.js';
import type { BenchContext, Stage } from './types.js';

/** Events per pass: enough for stable CPU readings, a few hundred milliseconds per round. */
const SAMPLE = 2000;

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

    // Warm-up: both code paths optimized before measuring.
    for (let i = 0; i < 2; i++) {
      parsePass();
      corePass();
    }
    const ratios: number[] = [];
    const parseMs: number[] = [];
    const coreMs: number[] = [];
    let decisions = 0;
    for (let r = 0; r < ctx.args.cpuRounds; r++) {
      let p;
      let c;
      if (r % 2 === 0) {
        p = parsePass();
        c = corePass();
      } else {
        c = corePass();
        p = parsePass();
      }
      parseMs.push(p.ms);
      coreMs.push(c.ms);
      ratios.push(c.ms / p.ms);
      decisions = c.decisions;
    }
    const ratio = median(ratios);
    const n = texts.length;
    ctx.log(`core/JSON.parse CPU ratio ${ratio.toFixed(2)} over ${ctx.args.cpuRounds} rounds of ${n} events`);
    return {
      coreCpuRatioToJsonParse: round(ratio, 2),
      details: {
        coreCpu: {
          events: n,
          rounds: ctx.args.cpuRounds,
          decisionsPerRound: decisions,
          meanBodyBytes: Math.round(texts.reduce((s, t) => s + Buffer.byteLength(t), 0) / n),
          jsonParseUsPerEventMedian: round((median(parseMs) / n) * 1000, 2),
          coreUsPerEventMedian: round((median(coreMs) / n) * 1000, 2),
          ratioMin: round(Math.min(...ratios), 2),
          ratioMax: round(Math.max(...ratios), 2),
          what: 'core = normalizeEvent (zod validation + normalizer) + resolveOwnership (in-memory directory, config/vigil.yaml) + fold into a Map; parse = JSON.parse of the same SQS bodies',
        },
      },
    };
  },
};
