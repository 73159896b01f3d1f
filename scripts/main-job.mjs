// The main job: `routine map` over the bundled default (packages/cli/demo: a generated JSON Lines
// input, and a task that key-stretches and compresses each record), once on a single worker and
// once on every core, then the speedup. Results must be identical, in input order.
//
//   node scripts/main-job.mjs [records]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

const root = new URL('..', import.meta.url).pathname;
const count = Number(process.argv[2] ?? 8000);
const data = `${root}.data`;
const input = `${data}/records-${count}.jsonl`;
const bin = `${root}packages/cli/dist/bin.js`;
const task = `${root}packages/cli/demo/digest.mjs`;

mkdirSync(data, { recursive: true });
if (!existsSync(input)) execFileSync(process.execPath, [`${root}packages/cli/demo/records.mjs`, String(count), input]);

function run(workers) {
  const out = `${data}/digests-${workers}.jsonl`;
  const args = ['map', task, input, '--workers', String(workers), '--out', out];
  console.log(`\n$ routine ${args.join(' ').replaceAll(root, '')}`);
  const start = performance.now();
  const result = spawnSync(process.execPath, [bin, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`routine map exited with ${result.status}`);
  return { seconds: (performance.now() - start) / 1000, out };
}

const workers = availableParallelism();
const single = run(1);
const all = run(workers);
const same = readFileSync(single.out, 'utf8') === readFileSync(all.out, 'utf8');
console.log(`\n${count.toLocaleString('en-US')} records: ${single.seconds.toFixed(2)} s on 1 worker, ${all.seconds.toFixed(2)} s on ${workers}`);
console.log(`speedup: ${(single.seconds / all.seconds).toFixed(2)}x on ${workers} workers; results ${same ? 'identical, in input order' : 'DIFFER'}`);
if (!same) process.exitCode = 1;
