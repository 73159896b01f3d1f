/**
 * Waits until `check` holds, polling between turns of the event loop with setImmediate, which
 * tests that fake timers leave alone. Fails after `realMs` of real time.
 */
export async function until(check: () => boolean, realMs = 10_000, what = 'the condition'): Promise<void> {
  const deadline = performance.now() + realMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Options for `expect.poll` on a state the test waits for (a task started, a line logged): poll
 * often, and give up only far beyond any normal wait, since a cold worker boots slowly on a
 * loaded machine. A hang still fails the test, within its own timeout.
 */
export const EVENTUALLY = { timeout: 30_000, interval: 5 } as const;
