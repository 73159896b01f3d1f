/**
 * Where an inline task comes from, for its stack traces: a worker compiles it from its text, so
 * without a name its frames read `eval at ... <anonymous>:1:24`. The expression a worker
 * evaluates ends with a sourceURL naming the function and the line of the user's code that first
 * started it (the first frame outside routine), so a frame reads
 * `at score (routine-task:score@file:///app/main.ts:12:1:24)`: the task, where it was started, and
 * the line and column in the function's own text. V8 ignores a sourceURL with a space in it, so
 * the location is a (percent-encoded) file URL.
 */
import { basename, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// packages/core/{dist,src}/... -> packages/: routine's own packages sit side by side there in its
// repository; installed, each is under node_modules/@routine/. This module may be bundled into
// dist/index.js or run from src/task/, so the way up is found rather than counted.
const PACKAGES = packagesDirOf(fileURLToPath(import.meta.url));

function packagesDirOf(file: string): string {
  let dir = dirname(file);
  while (basename(dir) !== 'dist' && basename(dir) !== 'src' && dirname(dir) !== dir) dir = dirname(dir);
  return dirname(dirname(dir));
}
const OWN_FRAME = /[\\/]node_modules[\\/]@routine[\\/]|^node:|^internal[\\/]/;

export function sourceUrlOf(fn: { name: string }): string {
  const name = fn.name && /^[\w$]+$/.test(fn.name) ? fn.name : 'anonymous';
  const origin = callerLocation();
  return `\n//# sourceURL=routine-task:${name}${origin ? `@${origin}` : ''}`;
}

function callerLocation(): string | undefined {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 30;
  Error.captureStackTrace(holder);
  Error.stackTraceLimit = limit;
  for (const line of (holder.stack ?? '').split('\n').slice(1)) {
    const match = /\(?([^()\s]+):(\d+):\d+\)?$/.exec(line.trim());
    if (!match) continue;
    // A task started by an inline task names that task's own origin.
    if (match[1].startsWith('routine-task:')) return `${match[1]}:${match[2]}`;
    if (!/^(file:\/\/|\/|[A-Za-z]:\\)/.test(match[1])) continue; // <anonymous>, a bare eval
    const file = match[1].startsWith('file://') ? fileURLToPath(match[1]) : match[1];
    // Under a source map (vitest, --enable-source-maps) routine's frames name its src/ files.
    if (OWN_FRAME.test(file) || (file.startsWith(PACKAGES) && /^[\\/][^\\/]+[\\/](dist|src)[\\/]/.test(file.slice(PACKAGES.length)))) continue;
    return `${pathToFileURL(file).href}:${match[2]}`;
  }
  return undefined;
}
