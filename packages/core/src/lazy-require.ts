/**
 * A CommonJS dependency loaded on first use instead of at import, so importing routine (on the
 * main thread, and in every worker) costs only what a first `go` needs. `from` is the caller's
 * `import.meta.url`: the package is resolved from the caller's own dependencies.
 */
import { createRequire } from 'node:module';

export function lazyRequire<T>(from: string, specifier: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= createRequire(from)(specifier) as T);
}
