import workerpool from 'workerpool';
import * as work from './workloads.mjs';

workerpool.worker({ add: work.add, fib: work.fib, sum: work.sum, addObject: work.addObject, sumObject: work.sumObject });
