/**
 * Cold start of one pool in a fresh process: how long importing it takes, and how long from the
 * process's start to the first result of a tiny task (import, pool creation, worker boot, one
 * round trip). Prints one JSON line; run by run.mjs, one fresh process per sample.
 *
 *   node bench/cold.mjs <pool> <threads>
 */
import { POOLS } from './pools.mjs';

const [name, threadsText] = process.argv.slice(2);
// performance.now() counts from the process's start, so this includes Node's own boot.
const beforeImport = performance.now();
const pool = await POOLS[name](Number(threadsText));
const afterOpen = performance.now();
const value = await pool.add(1, 2);
const firstResult = performance.now();
if (value !== 3) throw new Error(`${name}: wrong first result`);
console.log(JSON.stringify({ name, openMs: afterOpen - beforeImport, firstResultMs: firstResult, startupRssMB: process.memoryUsage().rss / 2 ** 20 }));
// Not pool.close(): some pools never settle their close when torn down this early; exiting ends
// every worker just the same.
process.exit(0);
