// The Go blog's pipeline: gen -> sq -> sq -> print, each stage a task joined by channels, each
// closing its output when its input is done. The stages await, so several share a worker; a stage
// in synchronous code (for (const n of input) out.sendSync(...)) would hold a worker of its own.
import { chan, go } from '@routine/runtime';

function gen(...nums) {
  const out = chan();
  go(async (out, nums) => {
    for (const n of nums) await out.send(n);
    out.close();
  }, out, nums);
  return out;
}

function sq(input) {
  const out = chan();
  go(async (input, out) => {
    for await (const n of input) await out.send(n * n);
    out.close();
  }, input, out);
  return out;
}

for await (const n of sq(sq(gen(2, 3)))) console.log(n);

// Output:
// 16
// 81
