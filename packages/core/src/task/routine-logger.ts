/**
 * The logger routine writes to: pino on stderr unless the runtime was given one. Created on first
 * use, and pino itself is loaded only then, so a program that never logs a failure never pays for
 * it at startup, on the main thread or in any worker.
 */
import type { Logger } from 'pino';
import { lazyRequire } from '../lazy-require.js';

const pino = lazyRequire<typeof import('pino')>(import.meta.url, 'pino');
let current: Logger | undefined;

export function routineLogger(): Logger {
  current ??= pino().pino({ name: 'routine' }, pino().destination({ dest: 2, sync: true }));
  return current;
}

export function setLogger(next: Logger): void {
  current = next;
}
