/**
 * vitest (and any Vite SSR toolchain) rewrites `import(x)` in the code it runs into
 * `__vite_ssr_dynamic_import__(x)`, with `x` resolved the Vite way: a path from the project's root
 * (`/node_modules/pkg/index.js`, `/src/x.ts`), `/@fs/` and an absolute path outside it, or the
 * bare name as written. An inline task compiled under vitest carries that call to a worker, where
 * no such function exists: turned back into `import()` here, with the path made a file URL the
 * worker can load, the README's `await import('@routine/runtime')` works under vitest too.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const VITE_IMPORT = /__vite_ssr_dynamic_import__\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')?/g;

export function withoutViteImports(source: string): string {
  if (!source.includes('__vite_ssr_dynamic_import__')) return source;
  return source.replace(VITE_IMPORT, (_call, double?: string, single?: string) => {
    const specifier = double ?? single;
    return specifier === undefined ? 'import(' : `import(${JSON.stringify(loadable(specifier))}`;
  });
}

/** A bare name or URL as it is; a Vite path as the file URL it names. */
function loadable(specifier: string): string {
  if (!specifier.startsWith('/')) return specifier;
  if (specifier.startsWith('/@fs/')) return pathToFileURL(specifier.slice(4)).href;
  const fromRoot = join(viteRoot(), specifier);
  if (existsSync(fromRoot)) return pathToFileURL(fromRoot).href;
  return pathToFileURL(specifier).href;
}

/** vitest's project root, as its worker exposes it; else the directory it was started in. */
function viteRoot(): string {
  const worker = (globalThis as { __vitest_worker__?: { config?: { root?: string } } }).__vitest_worker__;
  return worker?.config?.root ?? process.cwd();
}
