// A pipeline: stages on the pool, bounded memory, results in input order.
import { pipeline } from '@routine/runtime';

const orders = ['{"qty":2,"price":5}', '{"qty":1,"price":30}', '{"qty":4,"price":2.5}'];
const totals = pipeline()
  .stage('parse', (line) => JSON.parse(line))
  .stage('total', (order) => order.qty * order.price, { concurrency: 2 });
console.log('totals:', (await totals.process(orders)).join(' '));

// stream() reads any (async) iterable as fast as the results are consumed.
function* numbers() {
  for (let i = 1; i <= 5; i++) yield i;
}
const doubled = [];
for await (const n of pipeline().stage('double', (x) => x * 2).stream(numbers())) doubled.push(n);
console.log('doubled:', doubled.join(' '));

// A failure names the stage and the item, and stops the pipeline.
try {
  await pipeline().stage('parse', (line) => JSON.parse(line)).process(['1', '{oops', '3']);
} catch (error) {
  console.log(`${error.name}: stage ${error.stage}, item ${error.index}`);
}

// Output:
// totals: 10 30 10
// doubled: 2 4 6 8 10
// PipelineError: stage parse, item 1
