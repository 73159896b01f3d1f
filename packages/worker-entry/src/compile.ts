/**
 * Task code by id: compiled or imported once per worker, on first use.
 *
 * Inline functions are evaluated with an indirect eval, in the global scope of this module's
 * realm, so a dynamic `import()` inside them resolves from here: `await import('@routine/runtime')`
 * finds the runtime this worker runs. Module exports are imported by URL; TypeScript modules go
 * through the esbuild hooks in ts-hooks.ts, registered the first time one is needed.
 */
import * as nodeModule from 'node:module';
import { CodeKind, type CodeTable } from '@routine/core';

export type AnyFn = (...args: unknown[]) => unknown;

export interface Compiled {
  fn: AnyFn;
  /** Declared `async`: runs in an AsyncLocalStorage scope so current() survives its awaits. */
  isAsync: boolean;
}

const TS_MODULE = /\.(ts|mts|cts)([?#].*)?$/;
let tsHooksRegistered = false;

export class CodeCache {
  readonly #table: CodeTable;
  readonly #compiled: (Compiled | Promise<Compiled> | undefined)[] = [];

  constructor(table: CodeTable) {
    this.#table = table;
  }

  readonly #names = new Map<number, string>();

  /** A task name interned by `go.with({ name })`. */
  name(id: number): string {
    let name = this.#names.get(id);
    if (name === undefined) {
      name = this.#table.read(id).text;
      this.#names.set(id, name);
    }
    return name;
  }

  /** The compiled function, a promise of it while a module loads, or a thrown load error. */
  get(id: number): Compiled | Promise<Compiled> {
    const known = this.#compiled[id];
    if (known !== undefined) return known;
    const { kind, text } = this.#table.read(id);
    if (kind === CodeKind.inline) {
      const fn = (0, eval)(text) as unknown;
      if (typeof fn !== 'function') throw new TypeError(`task code ${id} did not evaluate to a function`);
      return (this.#compiled[id] = describe(fn as AnyFn));
    }
    const loading = loadExport(text).then((compiled) => (this.#compiled[id] = compiled));
    // A failed import is not cached: the next task retries it (the file may have been fixed).
    loading.catch(() => (this.#compiled[id] = undefined));
    return (this.#compiled[id] = loading);
  }
}

async function loadExport(text: string): Promise<Compiled> {
  const hash = text.lastIndexOf('#');
  const url = text.slice(0, hash);
  const exportName = text.slice(hash + 1);
  if (TS_MODULE.test(url) && !tsHooksRegistered) {
    nodeModule.register(new URL('./ts-hooks.js', import.meta.url));
    enableSourceMaps();
    tsHooksRegistered = true;
  }
  const namespace = (await import(url)) as Record<string, unknown>;
  const fn = namespace[exportName];
  if (typeof fn !== 'function') {
    const exported = Object.keys(namespace).filter((key) => typeof namespace[key] === 'function');
    throw new TypeError(
      `${url} has no exported function "${exportName}"` +
        (exported.length > 0 ? `; its exported functions are: ${exported.join(', ')}` : ''),
    );
  }
  return describe(fn as AnyFn);
}

/**
 * Stack traces of a compiled module then name its .ts lines, without --enable-source-maps: with
 * module.setSourceMapsSupport where Node has it (22.14+, 23.7+), else process.setSourceMapsEnabled.
 */
function enableSourceMaps(): void {
  const setSupport = (nodeModule as { setSourceMapsSupport?: (enabled: boolean) => void }).setSourceMapsSupport;
  if (setSupport) setSupport(true);
  else process.setSourceMapsEnabled(true);
}

function describe(fn: AnyFn): Compiled {
  return { fn, isAsync: fn.constructor?.name === 'AsyncFunction' || fn.constructor?.name === 'AsyncGeneratorFunction' };
}
