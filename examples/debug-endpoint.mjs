// A live process's debug endpoint, like Go's net/http/pprof, and the runtime's events.
// Try it by hand with `curl localhost:6060/debug/routines?format=text` while a task is stuck.
import { once } from 'node:events';
import { createRuntime, serveDebug } from '@routine/runtime';

const rt = createRuntime({ workers: 2, name: 'app' });
let closing = false;
rt.on('workerExit', () => closing || console.log('event: workerExit (a worker was stopped to end a stuck task)'));
rt.on('error', (error) => console.log(`event: error: ${error.message}`));
rt.once('idle', () => console.log('event: idle'));

const debug = await serveDebug({ port: 0, runtime: rt }); // port 0: any free port; default 6060
const get = async (path) => (await fetch(debug.url + path)).text();

// A task stuck in a synchronous loop: the dump still sees it, read from shared memory.
const stuck = rt.goWith({ name: 'resize-images', timeoutMs: 1500 })(() => {
  for (;;);
});
const outcome = stuck.result(); // observed: its timeout is ours to handle, not an 'error' event
while (!(await get('/debug/routines')).includes('resize-images')) await new Promise((r) => setTimeout(r, 5));
const dump = await get('/debug/routines?format=text');
console.log(dump.split('\n').find((line) => line.startsWith('goroutine')).replace(/[\d.]+ m?s/, 'T').replace(/\d+/, 'N'));
console.log('healthz:', (await get('/healthz')).trim());
console.log((await outcome).error.name); // the timeout stops it for real, replacing its worker
await rt.onIdle();

const reported = once(rt, 'error');
rt.go(() => {
  throw new Error('nobody awaits me');
});
await Promise.all([1, 2, 3].map((n) => rt.go((x) => x * x, n)));
await reported; // an unobserved failure is reported once it has had a macrotask to be observed
const metrics = await get('/metrics');
console.log(metrics.split('\n').find((line) => line.startsWith('routine_tasks_completed_total')));

closing = true;
await debug.close();
await rt.close();

// Output:
// goroutine N [running, T] "resize-images":
// healthz: ok
// TimeoutError
// event: workerExit (a worker was stopped to end a stuck task)
// event: idle
// event: error: nobody awaits me
// routine_tasks_completed_total{runtime="app"} 3
