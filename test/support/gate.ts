/**
 * A gate in shared memory: tasks passed it wait in `hold` (blocking their worker, as a busy task
 * would) until the test opens it, so a test decides when running tasks finish.
 */
export function newGate(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4));
}

/** A task: waits for the gate, then returns `value`. */
export const hold = (gate: Int32Array, value: number) => {
  Atomics.wait(gate, 0, 0);
  return value;
};

export function openGate(gate: Int32Array): void {
  Atomics.store(gate, 0, 1);
  Atomics.notify(gate, 0);
}
