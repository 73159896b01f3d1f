import { Writable } from 'node:stream';
import pino from 'pino';

/** A pino logger that keeps every line it writes, parsed. */
export function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).trim().split('\n')) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino(stream), lines };
}
