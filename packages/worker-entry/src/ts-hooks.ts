/**
 * Module hooks that let a worker import TypeScript task modules without a build step: `.ts`,
 * `.mts` and `.cts` files are stripped of their types by esbuild as they load, and a `./x.js`
 * import that names a `.ts` sibling (the usual TypeScript ESM spelling) resolves to it.
 */
import { readFile } from 'node:fs/promises';
import { transform } from 'esbuild';

const TS_FILE = /\.(ts|mts|cts)$/;

interface ResolveContext { parentURL?: string }
type NextResolve = (specifier: string, context: ResolveContext) => Promise<{ url: string }>;
type NextLoad = (url: string, context: unknown) => Promise<unknown>;

export async function resolve(specifier: string, context: ResolveContext, next: NextResolve): Promise<unknown> {
  try {
    return await next(specifier, context);
  } catch (error) {
    const fromTs = context.parentURL !== undefined && TS_FILE.test(new URL(context.parentURL).pathname);
    if (!fromTs || !/\.(m|c)?js$/.test(specifier)) throw error;
    return next(specifier.replace(/\.(m|c)?js$/, '.$1ts'), context);
  }
}

export async function load(url: string, context: unknown, next: NextLoad): Promise<unknown> {
  const path = url.startsWith('file:') ? new URL(url).pathname : '';
  if (!TS_FILE.test(path)) return next(url, context);
  const source = await readFile(new URL(url), 'utf8');
  const { code } = await transform(source, {
    loader: 'ts',
    format: path.endsWith('.cts') ? 'cjs' : 'esm',
    sourcefile: path,
    sourcemap: 'inline',
    target: 'node20',
  });
  return { format: path.endsWith('.cts') ? 'commonjs' : 'module', source: code, shortCircuit: true };
}
