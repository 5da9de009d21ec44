// One way to wait for something with a bound: a stuck query, a cursor on a dead connection or a
// pool whose connections never come back must not hold a request, a health check or a shutdown.

/**
 * Waits for `work` at most `ms`: its settled result, or undefined when the time ran out (the work
 * goes on unobserved). Never throws; the timer does not keep the process alive.
 */
export async function settleWithin<T>(work: Promise<T>, ms: number): Promise<PromiseSettledResult<T> | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
  });
  try {
    return await Promise.race([
      work.then(
        (value): PromiseSettledResult<T> => ({ status: 'fulfilled', value }),
        (reason: unknown): PromiseSettledResult<T> => ({ status: 'rejected', reason }),
      ),
      expired,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
