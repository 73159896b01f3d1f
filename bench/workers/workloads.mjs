// The work every pool runs, in each pool's natural calling convention (see the adapters beside
// this file). Kept identical across pools so the rows compare dispatch, not work.
export function add(a, b) {
  return a + b;
}

export function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

export function sum(values) {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i];
  return total;
}

/** The shape most code passes: one object argument. */
export function addObject({ op, a, b }) {
  return op === 'add' ? a + b : a - b;
}

/** A bulk payload inside an object, as real calls carry one. */
export function sumObject({ values, scale }) {
  return sum(values) * scale;
}
