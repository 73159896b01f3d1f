import { ThreadWorker } from 'poolifier';
import * as work from './workloads.mjs';

export default new ThreadWorker({
  add: ({ a, b }) => work.add(a, b),
  fib: (n) => work.fib(n),
  sum: (values) => work.sum(values),
  addObject: (spec) => work.addObject(spec),
  sumObject: (spec) => work.sumObject(spec),
});
