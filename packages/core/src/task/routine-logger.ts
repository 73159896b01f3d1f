/**
 * The logger routine writes to: pino on stderr unless the runtime was given one. Created on first
 * use, and pino itself is loaded only then, so a program that never logs a failure never pays for
 * it at startup, on the main thread or in any worker.
 *
 * Its level is ROUTINE_LOG_LEVEL when set (`silent` turns it off), else `info`. On a worker the
 * lines do not go to stderr: they are posted to the main thread, which writes them through the
 * runtime's logger (logTo), so a logger given to createRuntime hears its workers too.
 */
import type { Logger } from 'pino';
import { lazyRequire } from '../lazy-require.js';

const pino = lazyRequire<typeof import('pino')>(import.meta.url, 'pino');
let current: Logger | undefined;
let make = (): Logger => pino().pino({ name: 'routine', level: levelFromEnv() }, pino().destination({ dest: 2, sync: true }));

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function routineLogger(): Logger {
  current ??= make();
  return current;
}

export function setLogger(next: Logger): void {
  current = next;
}

/** From now on (a worker, at boot) routine's lines at `level` and above go to `write`, one JSON line each. */
export function logTo(write: (line: string) => void, level: LogLevel): void {
  current = undefined;
  make = () => pino().pino({ name: 'routine', level }, { write });
}

/** createRuntime refuses a bad ROUTINE_LOG_LEVEL; a failure being logged is not the place to. */
function levelFromEnv(): LogLevel {
  try {
    return envLogLevel() ?? 'info';
  } catch {
    return 'info';
  }
}

/** ROUTINE_LOG_LEVEL, if it names a level; a value that does not is refused, naming the levels. */
export function envLogLevel(): LogLevel | undefined {
  const value = process.env.ROUTINE_LOG_LEVEL;
  if (value === undefined || value === '') return undefined;
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new Error(`ROUTINE_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; it is "${value}"`);
  }
  return value as LogLevel;
}
