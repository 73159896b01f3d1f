/**
 * One thread's ids for task code and task names in the runtime's code table. A function object
 * is looked up once (WeakMap); a new function with the same source text (an arrow created per
 * call) costs one toString and a Map lookup, and the capture analysis runs once per source.
 */
import { inlineSource } from '../task/capture.js';
import { CodeKind, type CodeTable } from '../memory/code-table.js';
import { InvalidArgumentError } from '../task/errors.js';
import { moduleExportOf, resolvedModuleUrl } from '../task/task-ref.js';
import { got } from '../task/got.js';

export class CodeIds {
  readonly #table: CodeTable;
  readonly #byFunction = new WeakMap<object, number>();
  readonly #byText = new Map<string, number>();

  constructor(table: CodeTable) {
    this.#table = table;
  }

  /** The id of task function `fn`; throws for a non-function, a capture, a native function. */
  idOf(fn: unknown): number {
    if (typeof fn !== 'function') {
      throw new InvalidArgumentError(
        `go() needs a function to run, ${got(fn)}. Pass an inline function, e.g. go((a, b) => a + b, 1, 2), or an export named with tasks(url)`,
      );
    }
    const known = this.#byFunction.get(fn);
    if (known !== undefined) return known;
    const moduleExport = moduleExportOf(fn);
    const id = moduleExport
      ? this.#intern(CodeKind.module, `${resolvedModuleUrl(moduleExport.url)}#${moduleExport.exportName}`)
      : this.#intern(CodeKind.inline, inlineSource(fn as (...args: never[]) => unknown));
    this.#byFunction.set(fn, id);
    return id;
  }

  /** The id of a task name (go.with({ name })). */
  nameIdOf(name: string): number {
    return this.#intern(CodeKind.name, String(name));
  }

  #intern(kind: CodeKind, text: string): number {
    const key = `${kind}:${text}`;
    let id = this.#byText.get(key);
    if (id === undefined) {
      id = this.#table.register(kind, text);
      this.#byText.set(key, id);
    }
    return id;
  }
}
