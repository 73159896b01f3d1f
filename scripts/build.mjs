// Builds every package's src/*.ts to dist/*.js (ESM, one file per module, no bundling), so the
// worker entry and the task modules that import @routine/runtime share the same module instances.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
for (const name of ['stats', 'core', 'worker-entry', 'runtime', 'cluster', 'cli']) {
  const dir = join(root, 'packages', name);
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  const entryPoints = readdirSync(join(dir, 'src'), { recursive: true })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts') && !file.endsWith('.test.ts'))
    .map((file) => join(dir, 'src', file));
  await build({
    entryPoints,
    outdir: join(dir, 'dist'),
    outbase: join(dir, 'src'),
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
  });
}
