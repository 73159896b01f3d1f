import { createRuntime, tasks } from '@routine/runtime';
const arenaBytes = Number(process.argv[2] || 64) << 20;
const N = Number(process.argv[3] || 2000);
const obj = process.argv[4] === 'obj';
const rt = createRuntime({ workers: 2, arenaBytes });
const work = tasks(new URL('file:///work/main/bench/workers/workloads.mjs'));
const values = new Float64Array(8192).map((_, i) => i);
const rates = [], cpus = [];
for (let rep = 0; rep < 8; rep++) {
  const t = performance.now(); const c = process.cpuUsage();
  await Promise.all(Array.from({ length: N }, () => obj ? rt.go(work.sumObject, { values, scale: 2 }) : rt.go(work.sum, values)));
  const cu = process.cpuUsage(c);
  if (rep > 1) { rates.push(N / ((performance.now() - t) / 1000)); cpus.push((cu.user + cu.system) / N); }
}
const med = (x) => x.sort((a, b) => a - b)[x.length >> 1];
console.log(`arena ${arenaBytes >> 20}MB N=${N} ${obj ? 'obj' : 'pos'}: ${Math.round(med(rates))}/s, cpu ${med(cpus).toFixed(1)} us/task, rss ${Math.round(process.memoryUsage().rss / 2 ** 20)}MB`);
await rt.close();
