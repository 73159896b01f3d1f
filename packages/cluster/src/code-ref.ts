/**
 * A task function as a job names it, and back. An inline function travels by source (checked for
 * captures on the caller, as locally); a module export by URL, imported by the worker's threads.
 * A file: URL must name the same file on every worker machine (deploy the same tree).
 */
import { got, inlineSource, InvalidArgumentError, moduleExportOf, tasks } from '@routine/core';

export interface CodeRef {
  kind: 'inline' | 'module';
  code: string;
}

const refs = new WeakMap<object, CodeRef>();

export function codeRefOf(fn: unknown): CodeRef {
  if (typeof fn !== 'function') {
    throw new InvalidArgumentError(`go() needs a function to run, ${got(fn)}. Pass an inline function, or an export named with tasks(url)`);
  }
  let ref = refs.get(fn);
  if (!ref) {
    const exported = moduleExportOf(fn);
    ref = exported ? { kind: 'module', code: `${exported.url}#${exported.exportName}` } : { kind: 'inline', code: inlineSource(fn as (...args: never[]) => unknown) };
    refs.set(fn, ref);
  }
  return ref;
}

/** What a task is called in messages. */
export function describeRef(ref: CodeRef): string {
  if (ref.kind === 'module') return ref.code.replace('#', ' export ');
  const oneLine = ref.code.replace(/\s+/g, ' ');
  return oneLine.length > 60 ? `${oneLine.slice(0, 57)}...` : oneLine;
}

/** The worker side: a function the local runtime can run, made once per distinct code. */
export class CodeCache {
  readonly #functions = new Map<string, unknown>();

  functionOf(ref: CodeRef): unknown {
    const key = `${ref.kind}:${ref.code}`;
    let fn = this.#functions.get(key);
    if (fn === undefined) {
      if (ref.kind === 'module') {
        const at = ref.code.lastIndexOf('#');
        fn = (tasks(ref.code.slice(0, at)) as Record<string, unknown>)[ref.code.slice(at + 1)];
      } else {
        // Only evaluated to a function object here; its body runs on the local runtime's threads.
        // A line break before the paren: the source may end in a //# sourceURL comment.
        fn = (0, eval)(`(${ref.code}\n)`);
      }
      this.#functions.set(key, fn);
    }
    return fn;
  }
}
