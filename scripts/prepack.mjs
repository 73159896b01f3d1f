// Runs before `pnpm pack` and `pnpm publish` of a package: a tarball must carry the JavaScript of
// every entry point and the .d.ts of every module, built from the sources as they are. When the
// package's dist/ is missing a file or older than its source, the workspace is built (esbuild, then tsc -b for the
// declarations); a fresh dist is packed as it is, so packing after a build costs nothing.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
// npm would pack the `workspace:*` ranges between the packages as they are, and no install from a
// registry could resolve them; pnpm turns them into versions.
// npm_execpath names the CLI running this script; the user agent does not (npm takes one from the
// environment, so under `pnpm test` it still says pnpm).
const runner = basename(process.env.npm_execpath ?? '');
if (runner !== '' && !runner.startsWith('pnpm')) {
  process.stderr.write('prepack: pack and publish the @routine packages with pnpm (npx -y pnpm@10 pack, or -r publish): npm would leave "workspace:*" in their dependencies\n');
  process.exit(1);
}
const dir = process.cwd();
const sources = readdirSync(join(dir, 'src'), { recursive: true })
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts') && !file.endsWith('.test.ts'));
const newest = Math.max(...sources.map((file) => statSync(join(dir, 'src', file)).mtimeMs));
const olderThan = (built, mtime) => !existsSync(built) || statSync(built).mtimeMs < mtime;
// Declarations are one per module (tsc -b may leave one it did not need to change as it was, so
// only a missing one counts); the JavaScript is one bundle per entry point the manifest names
// (scripts/build.mjs), rewritten by every build, so it must be newer than the newest source.
const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
const entries = JSON.stringify([manifest.exports ?? {}, manifest.bin ?? {}]).match(/\.\/dist\/[^"]+\.js/g) ?? [];
const stale = [
  ...sources.filter((file) => !existsSync(join(dir, 'dist', file.replace(/\.ts$/, '.d.ts')))),
  ...entries.filter((entry) => olderThan(join(dir, entry), newest)).map((entry) => entry.slice(2)),
];
if (stale.length > 0) {
  process.stderr.write(`prepack: dist is missing or older than ${stale[0]}${stale.length > 1 ? ` and ${stale.length - 1} more` : ''}; building\n`);
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b'], { cwd: root, stdio: 'inherit' });
}
