/**
 * Turns an inline task function into source text a worker can compile, or explains why it cannot
 * be one. A function is shipped by its text, so any name it reads from an enclosing scope would
 * be undefined on the worker: we find those names with a real scope analysis (acorn + eslint-scope)
 * and refuse the function up front, naming them.
 *
 * A name the function does not declare may still be a global, but the text alone cannot say
 * whether the caller's scope declares one of the same name (`const URL = '...'`, `import crypto
 * from 'node:crypto'`): that binding would silently become the worker's global. So only names
 * that are the same on every thread and that code does not redeclare in practice are taken as
 * globals (SAME_ON_EVERY_THREAD: the language's built-ins, console, timers and a few more); any
 * other is refused, naming it, with the ways out: `globalThis.X`, an import inside the task, or
 * an argument.
 *
 * The result is cached per source text, so the analysis runs once per distinct function.
 */
import type { Node } from 'acorn';
import { lazyRequire } from '../lazy-require.js';
import { InvalidArgumentError, TaskCaptureError } from './errors.js';
import { sourceUrlOf } from './task-origin.js';
import { withoutViteImports } from './vite-imports.js';

// Loaded at the first inline task this thread checks, not when routine is imported: a worker, and
// a program that runs only module tasks, never load them.
const acorn = lazyRequire<typeof import('acorn')>(import.meta.url, 'acorn');
const eslintScope = lazyRequire<typeof import('eslint-scope')>(import.meta.url, 'eslint-scope');

/**
 * Names an inline task may use without capturing them: `__name` is the helper esbuild-based
 * toolchains insert around named functions; every worker defines it (see worker-entry).
 */
const WORKER_PROVIDED = new Set(['__name']);

/** The globals an inline task may name bare; the README lists them. */
const SAME_ON_EVERY_THREAD = new Set([
  // ECMAScript's global object (and ECMA-402's Intl).
  'globalThis', 'Infinity', 'NaN', 'undefined', 'eval', 'isFinite', 'isNaN', 'parseFloat', 'parseInt',
  'decodeURI', 'decodeURIComponent', 'encodeURI', 'encodeURIComponent', 'escape', 'unescape',
  'AggregateError', 'Array', 'ArrayBuffer', 'BigInt', 'BigInt64Array', 'BigUint64Array', 'Boolean', 'DataView', 'Date',
  'Error', 'EvalError', 'FinalizationRegistry', 'Float16Array', 'Float32Array', 'Float64Array', 'Function', 'Int8Array',
  'Int16Array', 'Int32Array', 'Iterator', 'Map', 'Number', 'Object', 'Promise', 'Proxy', 'RangeError', 'ReferenceError',
  'RegExp', 'Set', 'SharedArrayBuffer', 'String', 'Symbol', 'SyntaxError', 'TypeError', 'Uint8Array',
  'Uint8ClampedArray', 'Uint16Array', 'Uint32Array', 'URIError', 'WeakMap', 'WeakRef', 'WeakSet',
  'Atomics', 'JSON', 'Math', 'Reflect', 'Intl', 'WebAssembly',
  // The host's, the same object on every thread (an import of performance is the global itself).
  'console', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate',
  'queueMicrotask', 'structuredClone', 'TextEncoder', 'TextDecoder', 'performance',
]);

const prepared = new Map<string, string>();

/**
 * An expression that evaluates to the function, for `(0, eval)(expression)` on a worker, ending
 * with a sourceURL that names it in stack traces (task-origin.ts).
 */
export function inlineSource(fn: (...args: never[]) => unknown): string {
  const written = Function.prototype.toString.call(fn);
  const cached = prepared.get(written);
  if (cached !== undefined) return cached;
  if (/\{\s*\[native code\]\s*\}\s*$/.test(written)) {
    throw new InvalidArgumentError(
      `a native or bound function cannot run as a task (its source is not available): ${written.slice(0, 60)}. ` +
        'Wrap it in an arrow function that calls it with its arguments, or export it from a module and use tasks(url).',
    );
  }
  const source = withoutViteImports(written);
  const expression = compilableExpression(source);
  const captured = [...new Set(freeVariables(expression))].filter((name) => !SAME_ON_EVERY_THREAD.has(name) && !WORKER_PROVIDED.has(name));
  if (captured.length > 0) throw new TaskCaptureError(captured, written, captured.filter((name) => name in globalThis));
  const shipped = expression + sourceUrlOf(fn);
  prepared.set(written, shipped);
  return shipped;
}

/** Arrow functions and function expressions parse as they are; object methods need a wrapper. */
function compilableExpression(source: string): string {
  for (const candidate of [`(${source})`, `Object.values({${source}})[0]`]) {
    try {
      parseExpression(candidate);
      return candidate;
    } catch {
      // try the next shape
    }
  }
  throw new InvalidArgumentError(`cannot ship this function as a task: its source does not parse on its own: ${source.slice(0, 80)}`);
}

function parseExpression(source: string): Node {
  return acorn().parse(source, { ecmaVersion: 'latest', sourceType: 'module', ranges: true });
}

function freeVariables(expression: string): string[] {
  const program = parseExpression(expression);
  // eslint-scope reads an ESTree program; acorn's output is one.
  const manager = eslintScope().analyze(program as never, { ecmaVersion: 2022, sourceType: 'module' });
  const names: string[] = [];
  for (const scope of manager.scopes) {
    if (scope.type !== 'global' && scope.type !== 'module') continue;
    for (const reference of scope.through) names.push(reference.identifier.name);
  }
  return names;
}
