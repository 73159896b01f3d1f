// Fan-out, fan-in: several tasks square numbers from one channel; merge() joins their outputs.
import { chan, go, merge } from '@routine/runtime';

const numbers = chan(4);
const outputs = [chan(), chan(), chan()];
for (const out of outputs) {
  go(async (numbers, out) => {
    for await (const n of numbers) await out.send(n * n);
    out.close();
  }, numbers, out);
}

(async () => {
  for (let n = 1; n <= 9; n++) await numbers.send(n);
  numbers.close();
})();

let sum = 0;
let count = 0;
for await (const square of merge(...outputs)) {
  sum += square;
  count++;
}
console.log(`${count} squares, sum ${sum}`);

// Output:
// 9 squares, sum 285
