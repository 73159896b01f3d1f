// goWithRecover never rejects: it gives a Result, like Go's recover() around a goroutine.
import { goWithRecover } from '@routine/runtime';

const ok = await goWithRecover((x) => x * 2, 21);
console.log(ok);

const failed = await goWithRecover(() => {
  throw new RangeError('out of range');
});
console.log(failed.ok, failed.error.name, failed.error.message);

// A panic (the worker dies) is recovered the same way; a new worker takes its place.
const panicked = await goWithRecover(() => globalThis.process.exit(1));
console.log(panicked.ok, panicked.error.name);

// Output:
// { ok: true, value: 42 }
// false RangeError out of range
// false WorkerCrashError
