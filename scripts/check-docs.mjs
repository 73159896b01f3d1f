// The docs check CI runs: TypeDoc generates the API reference into docs/api/ and validates it (every export documented, no
// broken {@link}, nothing referenced that is not exported; warnings fail), and every relative
// link in the Markdown files points at a file that exists and, with a #fragment, at a heading in it.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
execFileSync(process.execPath, [join(root, 'node_modules/typedoc/bin/typedoc')], { cwd: root, stdio: 'inherit' });

const markdown = [
  'README.md', 'CHANGELOG.md', 'ARCHITECTURE.md',
  ...readdirSync(join(root, 'docs')).filter((file) => file.endsWith('.md')).map((file) => `docs/${file}`),
  ...readdirSync(join(root, 'packages')).map((name) => `packages/${name}/README.md`),
  ...readdirSync(join(root, 'examples')).filter((file) => file.endsWith('.md')).map((file) => `examples/${file}`),
].filter((file) => existsSync(join(root, file)));

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchorsOf(file) {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#+\s+(.+)$/gm)].map(([, heading]) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-')));
}

const broken = [];
for (const file of markdown) {
  const path = join(root, file);
  const text = readFileSync(path, 'utf8').replace(/```[\s\S]*?```/g, '');
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/i.test(target)) continue;
    const [linked, fragment] = target.split('#');
    const resolved = linked === '' ? path : join(dirname(path), linked);
    if (!existsSync(resolved)) broken.push(`${file}: ${target} (no such file)`);
    else if (fragment && resolved.endsWith('.md') && !anchorsOf(resolved).has(fragment)) broken.push(`${file}: ${target} (no heading #${fragment} in ${relative(root, resolved)})`);
  }
}
if (broken.length > 0) {
  process.stderr.write(`broken links:\n${broken.map((line) => `  ${line}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(`docs: API reference valid, ${markdown.length} Markdown files, no broken links\n`);
