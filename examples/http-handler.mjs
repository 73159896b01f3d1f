// Offloading CPU work from an HTTP handler: the event loop keeps serving while workers compute.
import { createServer } from 'node:http';
import { go } from '@routine/runtime';

const server = createServer(async (request, response) => {
  const n = Number(new URL(request.url, 'http://localhost').searchParams.get('n'));
  const primes = await go((limit) => {
    let count = 0;
    for (let i = 2; i <= limit; i++) {
      let prime = true;
      for (let d = 2; d * d <= i; d++) if (i % d === 0) { prime = false; break; }
      if (prime) count++;
    }
    return count;
  }, n);
  response.end(JSON.stringify({ n, primes }));
});

await new Promise((resolve) => server.listen(0, resolve));
const { port } = server.address();
const answers = await Promise.all([1000, 100000].map((n) => fetch(`http://localhost:${port}/?n=${n}`).then((r) => r.text())));
console.log(answers.join('\n'));
server.close();

// Output:
// {"n":1000,"primes":168}
// {"n":100000,"primes":9592}
