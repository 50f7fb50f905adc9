/**
 * At most `concurrency` tasks at once; the rest wait their turn in the order they asked.
 * A finishing task hands its slot straight to the next waiter, so no newcomer slips in
 * between.
 */
export function limiter(concurrency: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (task) => {
    if (active >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}

/**
 * Calls with the same key while one is in flight get that call's promise instead of
 * starting their own; once it settles, the next call starts afresh (nothing is cached,
 * a failure included).
 */
export function singleFlight(): <T>(key: string, task: () => Promise<T>) => Promise<T> {
  const flights = new Map<string, Promise<unknown>>();
  return <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const current = flights.get(key) as Promise<T> | undefined;
    if (current) return current;
    const started = task().finally(() => flights.delete(key));
    flights.set(key, started);
    return started;
  };
}
