// piscina and tinypool pass one argument per task.
import * as work from './workloads.mjs';

export const add = ({ a, b }) => work.add(a, b);
export const fib = (n) => work.fib(n);
export const sum = (values) => work.sum(values);
export const addObject = (spec) => work.addObject(spec);
export const sumObject = (spec) => work.sumObject(spec);
