/**
 * Waits for `work` at most `ms`. Commands to a Redis that is away wait for it to come back (the
 * connections are made with maxRetriesPerRequest: null, as BullMQ requires), so every wait on
 * the way out is bounded: closing must not hang on a Redis that is gone.
 */
export async function within(ms: number, work: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** How long closing waits for Redis before it lets go of its connections. */
export const CLOSE_MS = 2000;
