/**
 * The floor: the least a shared-memory hand-off can cost. Per worker, one single-producer
 * single-consumer ring of requests and one of responses, two float64s per request, a promise per
 * task, and nothing else: no errors, no nesting, no cancellation, no general payloads. routine is
 * measured against it to see what its features cost.
 */
import { Worker } from 'node:worker_threads';

const CAPACITY = 1 << 15; // slots per ring: room for a whole burst of the tiny-task benchmark
const MASK = CAPACITY - 1;
// int32 words: [0] request head, [32] request tail, [64] response head, [96] response tail,
// [128] worker futex, [160] main futex, [192] main waiting flag
const WORDS = 256;

const workerSource = `
const { workerData } = require('node:worker_threads');
const { control, requests, responses } = workerData;
const i32 = new Int32Array(control);
const req = new Float64Array(requests);
const res = new Float64Array(responses);
for (;;) {
  let head = Atomics.load(i32, 0);
  let spins = 0;
  while (head === Atomics.load(i32, 32)) {
    if (++spins > 2000) { const seen = Atomics.load(i32, 128); if (head === Atomics.load(i32, 32)) Atomics.wait(i32, 128, seen); spins = 0; }
  }
  const tail = Atomics.load(i32, 32);
  while (head !== tail) {
    const at = (head & ${MASK}) * 3;
    const out = Atomics.load(i32, 96);
    res[(out & ${MASK}) * 2] = req[at];
    res[(out & ${MASK}) * 2 + 1] = req[at + 1] + req[at + 2];
    Atomics.store(i32, 96, out + 1);
    head++;
    Atomics.store(i32, 0, head);
    if (Atomics.load(i32, 192)) { Atomics.add(i32, 160, 1); Atomics.notify(i32, 160); }
  }
}`;

export class Floor {
  constructor(workers) {
    this.lanes = Array.from({ length: workers }, () => {
      const control = new SharedArrayBuffer(WORDS * 4);
      const requests = new SharedArrayBuffer(CAPACITY * 3 * 8);
      const responses = new SharedArrayBuffer(CAPACITY * 2 * 8);
      const worker = new Worker(workerSource, { eval: true, workerData: { control, requests, responses } });
      worker.unref();
      return { worker, i32: new Int32Array(control), req: new Float64Array(requests), res: new Float64Array(responses), pending: 0 };
    });
    this.resolvers = new Map();
    this.nextId = 0;
    this.next = 0;
    this.watching = false;
  }

  add(a, b) {
    const id = this.nextId++;
    const lane = this.lanes[this.next++ % this.lanes.length];
    const tail = Atomics.load(lane.i32, 32);
    if (((tail - Atomics.load(lane.i32, 0)) | 0) >= CAPACITY) throw new Error('floor ring full');
    const at = (tail & MASK) * 3;
    lane.req[at] = id;
    lane.req[at + 1] = a;
    lane.req[at + 2] = b;
    Atomics.store(lane.i32, 32, tail + 1);
    Atomics.add(lane.i32, 128, 1);
    Atomics.notify(lane.i32, 128);
    const promise = new Promise((resolve) => this.resolvers.set(id, resolve));
    if (!this.watching) this.watch();
    return promise;
  }

  async watch() {
    this.watching = true;
    const keepAlive = setInterval(() => {}, 1 << 30);
    while (this.resolvers.size > 0) {
      let got = 0;
      for (const lane of this.lanes) {
        let head = Atomics.load(lane.i32, 64);
        const tail = Atomics.load(lane.i32, 96);
        while (head !== tail) {
          const at = (head & MASK) * 2;
          const id = lane.res[at];
          const resolve = this.resolvers.get(id);
          this.resolvers.delete(id);
          resolve(lane.res[at + 1]);
          head++;
          got++;
        }
        Atomics.store(lane.i32, 64, head);
      }
      if (got > 0) continue;
      for (const lane of this.lanes) Atomics.store(lane.i32, 192, 1);
      const waits = this.lanes.map((lane) => Atomics.waitAsync(lane.i32, 160, Atomics.load(lane.i32, 160)));
      const ready = this.lanes.some((lane) => Atomics.load(lane.i32, 64) !== Atomics.load(lane.i32, 96));
      if (!ready) await Promise.race(waits.map((wait) => (wait.async ? wait.value : Promise.resolve())));
      for (const lane of this.lanes) Atomics.store(lane.i32, 192, 0);
    }
    clearInterval(keepAlive);
    this.watching = false;
  }

  async close() {
    await Promise.all(this.lanes.map((lane) => lane.worker.terminate()));
  }
}
