// Builds every package's src/ to dist/ (ESM). The library packages are bundled into one file
// per entry point, their own modules inlined and every other package left as an import: a worker
// then loads four files instead of some sixty, which is most of its boot, and the worker entry
// and the task modules that import @routine/runtime still share one instance of each package.
// The CLI is built one file per module: its tests import single modules, and it loads once.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
/** Entry points of the bundled packages: what their package.json `exports` name. */
const BUNDLED = {
  stats: ['index.ts'],
  core: ['index.ts'],
  'worker-entry': ['index.ts', 'ts-hooks.ts'],
  runtime: ['index.ts'],
  cluster: ['index.ts'],
};
const common = { outdir: '', format: 'esm', platform: 'node', target: 'node20', sourcemap: true, logLevel: 'warning' };

for (const name of ['stats', 'core', 'worker-entry', 'runtime', 'cluster', 'cli']) {
  const dir = join(root, 'packages', name);
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  const outdir = join(dir, 'dist');
  if (BUNDLED[name]) {
    await build({ ...common, outdir, entryPoints: BUNDLED[name].map((file) => join(dir, 'src', file)), bundle: true, packages: 'external' });
    continue;
  }
  const entryPoints = readdirSync(join(dir, 'src'), { recursive: true })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts') && !file.endsWith('.test.ts'))
    .map((file) => join(dir, 'src', file));
  await build({ ...common, outdir, outbase: join(dir, 'src'), entryPoints });
}
