/**
 * Module hooks that let a worker import TypeScript task modules without a build step: `.ts`,
 * `.mts` and `.cts` files are stripped of their types as they load, and a `./x.js` import that
 * names a `.ts` sibling (the usual TypeScript ESM spelling) resolves to it.
 *
 * esbuild does the stripping when it is installed (an optional peer dependency: only `.ts` tasks
 * need it, and it is 11 MB with an install script). Without it, a Node that strips types itself
 * (`process.features.typescript`, Node 22.18+ and 23.6+) loads the file natively; on an older one
 * the import fails saying what to install. The inline source map esbuild writes is what the worker
 * reads its stack traces through (compile.ts turns source maps on).
 */
import { readFile } from 'node:fs/promises';

const TS_FILE = /\.(ts|mts|cts)$/;

interface ResolveContext { parentURL?: string }
type NextResolve = (specifier: string, context: ResolveContext) => Promise<{ url: string }>;
type NextLoad = (url: string, context: unknown) => Promise<unknown>;
type Transform = typeof import('esbuild').transform;

let esbuild: Promise<Transform | undefined> | undefined;

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
  const transform = await (esbuild ??= import('esbuild').then((module) => module.transform, () => undefined));
  if (!transform) {
    if (nodeStripsTypes()) return next(url, context);
    throw new Error(
      `cannot load ${path}: routine compiles TypeScript task modules with esbuild, which is not installed. ` +
        'Install it next to routine (npm install esbuild), run on Node 22.18+ (which strips types itself), or build the module to .js',
    );
  }
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

function nodeStripsTypes(): boolean {
  return Boolean((process.features as { typescript?: string | false }).typescript);
}
