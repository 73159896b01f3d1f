/**
 * What `go` can run: an inline function (shipped by source) or an export of a module, named with
 * `tasks(url)`. Both are resolved to a code-table id the first time a thread sends them.
 */
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError } from './errors.js';
import { got } from './got.js';

/** A function a task runs. Arguments and the result cross threads by structured clone. */
export type TaskFn<A extends unknown[] = unknown[], R = unknown> = (...args: A) => R | PromiseLike<R>;

const MODULE_EXPORT = Symbol.for('routine.moduleExport');

interface ModuleExportRef {
  readonly [MODULE_EXPORT]: { readonly url: string; readonly exportName: string };
}

/** The task-callable exports of a module type: `tasks<typeof import('./work.ts')>(url)`. */
export type TaskModule<M> = {
  readonly [K in keyof M as M[K] extends (...args: never[]) => unknown ? K : never]: M[K];
};

/**
 * Names every export of a module as a task: `go(m.hash, buf)`. The module is imported once per
 * worker, on first use; `.ts`, `.mts` and `.cts` modules are compiled on the fly, no build step.
 * The module is not imported on the calling thread. `moduleUrl` is a URL, an absolute path, or a
 * package specifier (`'my-tasks'`, `'@org/pkg/work'`), resolved where the task is first started
 * (see resolvedModuleUrl): on a cluster, on each worker machine.
 */
export function tasks<M>(moduleUrl: string | URL): TaskModule<M> {
  const url = moduleUrlOf(moduleUrl, 'tasks()', true);
  const refs = new Map<string, unknown>();
  return new Proxy({} as TaskModule<M>, {
    get(_target, key) {
      if (typeof key !== 'string' || key === 'then') return undefined;
      let ref = refs.get(key);
      if (!ref) {
        const exportName = key;
        ref = Object.assign(
          () => {
            throw new InvalidArgumentError(`${exportName} from ${url} is a task reference: run it with go(ref, ...args)`);
          },
          { [MODULE_EXPORT]: { url, exportName } },
        );
        refs.set(key, ref);
      }
      return ref;
    },
  });
}

export function moduleExportOf(fn: unknown): { url: string; exportName: string } | undefined {
  return typeof fn === 'function' ? (fn as Partial<ModuleExportRef>)[MODULE_EXPORT] : undefined;
}

/**
 * A module's URL from a URL or an absolute path, or with `packages` a package specifier kept as
 * it is (see resolvedModuleUrl); `what` names the caller in the error.
 */
export function moduleUrlOf(moduleUrl: string | URL, what: string, packages = false): string {
  if (moduleUrl instanceof URL) return moduleUrl.href;
  if (typeof moduleUrl !== 'string') throw new InvalidArgumentError(`${what} needs a module's URL (a URL or a string), ${got(moduleUrl)}`);
  if (/^[a-z][a-z0-9+.-]*:/i.test(moduleUrl) && !/^[a-z]:[\\/]/i.test(moduleUrl)) return moduleUrl;
  if (moduleUrl.startsWith('/') || /^[a-z]:[\\/]/i.test(moduleUrl)) return pathToFileURL(moduleUrl).href;
  if (packages && isPackageSpecifier(moduleUrl)) return moduleUrl;
  throw new InvalidArgumentError(
    `${what} needs an absolute URL or path${packages ? ', or a package name' : ''}, ${got(moduleUrl)}: use new URL('${moduleUrl}', import.meta.url)`,
  );
}

/** `name`, `name/sub/path`, `@scope/name` or `@scope/name/sub`: what an `import` resolves from node_modules. */
function isPackageSpecifier(specifier: string): boolean {
  return /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(\/[^\s]*)?$/i.test(specifier);
}

const resolved = new Map<string, string>();

/**
 * The URL a worker imports for a tasks() module: a package specifier is resolved here, as an
 * import from routine's own installation resolves it, which in a project that depends on routine
 * and on the package finds the project's copy. A URL or path is returned as it is.
 */
export function resolvedModuleUrl(moduleUrl: string): string {
  if (!isPackageSpecifier(moduleUrl)) return moduleUrl;
  let url = resolved.get(moduleUrl);
  if (url !== undefined) return url;
  if (typeof import.meta.resolve !== 'function') {
    throw new InvalidArgumentError(`tasks('${moduleUrl}'): a package specifier needs Node 20.6 or newer (import.meta.resolve); pass the module's URL instead`);
  }
  try {
    url = import.meta.resolve(moduleUrl);
  } catch (cause) {
    throw new InvalidArgumentError(
      `tasks('${moduleUrl}'): no such package could be resolved from this installation of routine. Install it in the project, or pass the module's URL`,
      { cause },
    );
  }
  resolved.set(moduleUrl, url);
  return url;
}
