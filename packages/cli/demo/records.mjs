// Writes the main job's default input: JSON Lines records of pseudo-random words, the same every
// time (a fixed seed), to the file named on the command line (or stdout).
//
//   node records.mjs [count] [out.jsonl]
import { createWriteStream } from 'node:fs';

const count = Number(process.argv[2] ?? 20_000);
const out = process.argv[3] ? createWriteStream(process.argv[3]) : process.stdout;
const WORDS = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua goroutine worker thread ring buffer atomic shared memory'.split(' ');

let state = 42;
const random = () => {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
  return state / 2 ** 32;
};

for (let id = 1; id <= count; id++) {
  const words = Array.from({ length: 20 + Math.floor(random() * 80) }, () => WORDS[Math.floor(random() * WORDS.length)]);
  const line = `${JSON.stringify({ id, text: words.join(' ') })}\n`;
  if (!out.write(line)) await new Promise((resolve) => out.once('drain', resolve));
}
out.end();
