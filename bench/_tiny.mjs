import { createRuntime, tasks } from '@routine/runtime';
const rt = createRuntime({ workers: 2 });
const work = tasks(new URL('./workers/workloads.mjs', import.meta.url));
const kind = process.argv[2] || 'pos';
for (let rep = 0; rep < 10; rep++) {
  const t = performance.now(); const r = [];
  for (let i = 0; i < 20000; i++) r.push(kind === 'pos' ? rt.go(work.add, i, 1) : rt.go(work.addObject, { op: 'add', a: i, b: 1 }));
  await Promise.all(r);
  if (rep > 5) console.log(kind, Math.round(20000 / ((performance.now() - t) / 1000)));
}
await rt.close();
