/**
 * The logger routine writes to: pino on stderr unless the runtime was given one. Created on first
 * use, so a program that never fails unobserved never pays for it.
 */
import pino, { type Logger } from 'pino';

let current: Logger | undefined;

export function routineLogger(): Logger {
  current ??= pino({ name: 'routine' }, pino.destination({ dest: 2, sync: true }));
  return current;
}

export function setLogger(next: Logger): void {
  current = next;
}
