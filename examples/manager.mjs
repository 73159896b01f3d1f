// A goroutine manager: one failure stops the rest, and wait() reports the failures together.
import { createManager } from '@routine/runtime';

const manager = createManager();
manager.foreground(async () => {
  const { current } = await import('@routine/runtime');
  const { signal } = current(); // a server loop would serve until this aborts
  if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve));
});
manager.background(async () => {
  await new Promise((resolve) => setTimeout(resolve, 20));
  throw new Error('heartbeat lost');
});
try {
  await manager.wait();
} catch (error) {
  console.log(error.constructor.name, error.errors.map((e) => e.message));
}

// Output:
// AggregateError [ 'heartbeat lost' ]
