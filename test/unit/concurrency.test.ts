import { describe, expect, it } from 'vitest';
import { limiter, singleFlight } from '../../functions/shared/core/concurrency.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('core: concurrency helpers', () => {
  it('limiter: at most n tasks at once, the rest started in the order they asked', async () => {
    // Prepare
    const run = limiter(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    // Act
    await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        run(async () => {
          started.push(i);
          most = Math.max(most, ++running);
          await tick();
          running--;
        }),
      ),
    );
    // Assess
    expect(most).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4]);
  });

  it('singleFlight: calls while one is in flight share it; a settled call, failed or not, is not kept', async () => {
    // Prepare
    const shared = singleFlight();
    let calls = 0;
    const task = async () => {
      const call = ++calls;
      await tick();
      if (call === 1) throw new Error('first call fails');
      return call;
    };
    // Act
    const first = await Promise.allSettled([shared('k', task), shared('k', task)]);
    const second = await Promise.all([shared('k', task), shared('k', task), shared('other', task)]);
    // Assess
    expect(first.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(second).toEqual([2, 2, 3]);
    expect(calls).toBe(3);
  });
});
