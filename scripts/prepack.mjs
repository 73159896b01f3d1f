// Runs before `pnpm pack` and `pnpm publish` of a package: a tarball must carry the JavaScript and
// the .d.ts of every module, built from the sources as they are. When the package's dist/ is
// missing a file or older than its source, the workspace is built (esbuild, then tsc -b for the
// declarations); a fresh dist is packed as it is, so packing after a build costs nothing.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
// npm would pack the `workspace:*` ranges between the packages as they are, and no install from a
// registry could resolve them; pnpm turns them into versions.
if (/^npm\//.test(process.env.npm_config_user_agent ?? '')) {
  process.stderr.write('prepack: pack and publish the @routine packages with pnpm (npx -y pnpm@10 pack, or -r publish): npm would leave "workspace:*" in their dependencies\n');
  process.exit(1);
}
const dir = process.cwd();
const sources = readdirSync(join(dir, 'src'), { recursive: true })
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts') && !file.endsWith('.test.ts'));
const stale = sources.filter((file) => {
  const source = statSync(join(dir, 'src', file)).mtimeMs;
  return ['.js', '.d.ts'].some((ext) => {
    const built = join(dir, 'dist', file.replace(/\.ts$/, ext));
    return !existsSync(built) || statSync(built).mtimeMs < source;
  });
});
if (stale.length > 0) {
  process.stderr.write(`prepack: dist is missing or older than ${stale[0]}${stale.length > 1 ? ` and ${stale.length - 1} more` : ''}; building\n`);
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b'], { cwd: root, stdio: 'inherit' });
}
