/**
 * Turns an inline task function into source text a worker can compile, or explains why it cannot
 * be one. A function is shipped by its text, so any name it reads from an enclosing scope would
 * be undefined on the worker: we find those names with a real scope analysis (acorn + eslint-scope)
 * and refuse the function up front, naming them.
 *
 * The result is cached per source text, so the analysis runs once per distinct function.
 */
import { parse, type Node } from 'acorn';
import { analyze } from 'eslint-scope';
import { InvalidArgumentError, TaskCaptureError } from './errors.js';

/**
 * Names an inline task may use without capturing them: `__name` is the helper esbuild-based
 * toolchains insert around named functions; every worker defines it (see worker-entry).
 */
const WORKER_PROVIDED = new Set(['__name']);

const prepared = new Map<string, string>();

/** An expression that evaluates to the function, for `(0, eval)(expression)` on a worker. */
export function inlineSource(fn: (...args: never[]) => unknown): string {
  const source = Function.prototype.toString.call(fn);
  const cached = prepared.get(source);
  if (cached !== undefined) return cached;
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    throw new InvalidArgumentError(
      `a native or bound function cannot run as a task (its source is not available): ${source.slice(0, 60)}. ` +
        'Wrap it in an arrow function that calls it with its arguments, or export it from a module and use tasks(url).',
    );
  }
  const expression = compilableExpression(source);
  const captured = freeVariables(expression).filter((name) => !(name in globalThis) && !WORKER_PROVIDED.has(name));
  if (captured.length > 0) throw new TaskCaptureError([...new Set(captured)], source);
  prepared.set(source, expression);
  return expression;
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
  return parse(source, { ecmaVersion: 'latest', sourceType: 'module', ranges: true });
}

function freeVariables(expression: string): string[] {
  const program = parseExpression(expression);
  // eslint-scope reads an ESTree program; acorn's output is one.
  const manager = analyze(program as never, { ecmaVersion: 2022, sourceType: 'module' });
  const names: string[] = [];
  for (const scope of manager.scopes) {
    if (scope.type !== 'global' && scope.type !== 'module') continue;
    for (const reference of scope.through) names.push(reference.identifier.name);
  }
  return names;
}
