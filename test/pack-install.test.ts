/**
 * What a user installs: every package packed with `pnpm pack` (which turns `workspace:*` into
 * versions and runs prepack), the tarballs installed into a fresh project outside the workspace,
 * and that project used the three ways users do: an ES module, a CommonJS require (require(esm):
 * Node 20.19+ / 22.12+), and `tsc --noEmit` against the shipped declarations.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
const PACKAGES = ['stats', 'core', 'worker-entry', 'runtime', 'cluster', 'cli'];
const dir = mkdtempSync(join(tmpdir(), 'routine-pack-'));
const project = join(dir, 'project');
const vitestProject = join(dir, 'vitest-project');
const tarballs = new Map<string, string>();
let install = { stdout: '', stderr: '' };

function versionOf(name: string): string {
  return (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

function pnpm(args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  return run('npx', ['-y', 'pnpm@10', ...args], { cwd, timeout: 120_000, env: { ...process.env, npm_config_update_notifier: 'false' } });
}

function node(file: string): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [file], { cwd: project, timeout: 60_000 });
}

beforeAll(async () => {
  for (const name of PACKAGES) {
    await pnpm(['pack', '--pack-destination', dir], join(root, 'packages', name));
    const file = readdirSync(dir).find((entry) => entry.startsWith(`routine-${name}-`) && entry.endsWith('.tgz'));
    if (!file) throw new Error(`pnpm pack of ${name} left no tarball in ${dir}`);
    tarballs.set(name, join(dir, file));
  }
  install = await freshProject(project, ['runtime', 'cli'], { typescript: versionOf('typescript'), '@types/node': versionOf('@types/node') });
  // vitest brings esbuild along (through vite), so it gets a project of its own.
  await freshProject(vitestProject, ['runtime'], { vitest: versionOf('vitest') });
}, 600_000);

/** A project that depends on the tarballs of `packages` (and through them the others) and `devDependencies`. */
async function freshProject(at: string, packages: string[], devDependencies: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  const local = Object.fromEntries(PACKAGES.map((name) => [`@routine/${name}`, `file:${tarballs.get(name)}`]));
  mkdirSync(at);
  writeFileSync(join(at, 'package.json'), JSON.stringify({
    name: 'fresh-project',
    private: true,
    dependencies: Object.fromEntries(packages.map((name) => [`@routine/${name}`, local[`@routine/${name}`]])),
    devDependencies,
    // The packed dependencies name versions not on the registry yet: point them at the tarballs.
    pnpm: { overrides: local },
  }, null, 2));
  return pnpm(['install', '--prefer-offline'], at);
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the packed packages', () => {
  it('carry a README, the JavaScript of every entry point, declarations for every module, and no build info or workspace: ranges', async () => {
    for (const name of PACKAGES) {
      const { stdout } = await run('tar', ['tzf', tarballs.get(name)!]);
      const files = stdout.split('\n').filter(Boolean);
      expect(files, name).toContain('package/README.md');
      expect(files.filter((file) => file.includes('tsbuildinfo')), name).toEqual([]);
      const sources = readdirSync(join(root, 'packages', name, 'src'), { recursive: true })
        .map(String)
        .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts') && !file.endsWith('.test.ts'));
      for (const source of sources) expect(files, `${name}: ${source}`).toContain(`package/dist/${source.replace(/\.ts$/, '.d.ts')}`);
      const { stdout: manifest } = await run('tar', ['xzf', tarballs.get(name)!, '-O', 'package/package.json']);
      const pkg = JSON.parse(manifest) as Record<string, unknown>;
      // The library packages are bundled, one file per entry point (scripts/build.mjs): whatever
      // their exports and bin name must be in the tarball.
      const entries = JSON.stringify([pkg.exports ?? {}, pkg.bin ?? {}]).match(/\.\/[^"]+\.js/g) ?? [];
      expect(entries.length, name).toBeGreaterThan(0);
      for (const entry of entries) expect(files, `${name}: ${entry}`).toContain(`package/${entry.slice(2)}`);
      expect(JSON.stringify(pkg.dependencies ?? {}), name).not.toContain('workspace:');
      expect(pkg.repository, name).toMatchObject({ type: 'git', directory: `packages/${name}` });
      expect(pkg.homepage, name).toEqual(expect.any(String));
      expect(pkg.publishConfig, name).toEqual({ access: 'public' });
    }
  });

  it('refuse npm pack, which would leave workspace:* in them, saying to use pnpm', async () => {
    const out = join(dir, 'npm');
    mkdirSync(out);
    const refused = await run('npm', ['pack', '--pack-destination', out], { cwd: join(root, 'packages', 'runtime'), timeout: 60_000 }).catch((error: { stderr: string; stdout: string }) => error);
    expect(`${(refused as { stdout: string }).stdout}${(refused as { stderr: string }).stderr}`).toMatch(/pack and publish the @routine packages with pnpm/);
    expect(readdirSync(out)).toEqual([]);
  });

  it('install without warnings and without esbuild (only .ts task modules need it)', () => {
    expect(install.stderr + install.stdout).not.toMatch(/WARN/);
    const installed = readdirSync(join(project, 'node_modules', '.pnpm'));
    expect(installed.filter((entry) => entry.startsWith('esbuild'))).toEqual([]);
    expect(installed.some((entry) => entry.startsWith('@routine+runtime'))).toBe(true);
  });

  it('run from an ES module, inline tasks importing the runtime included', async () => {
    writeFileSync(join(project, 'first.mjs'), [
      "import { go, createRuntime } from '@routine/runtime';",
      'console.log(await go((a, b) => a + b, 1, 2));',
      "console.log(await go(async () => (await import('@routine/runtime')).current().gid > 0));",
      'const runtime = createRuntime({ workers: 2 });',
      'console.log(await runtime.go((n) => n * 2, 21));',
      'await runtime.close();',
    ].join('\n'));
    const { stdout, stderr } = await node('first.mjs');
    expect(stdout).toBe('3\ntrue\n42\n');
    expect(stderr).toBe('');
  });

  it('run from CommonJS through require(esm) (Node 20.19+, 22.12+)', async () => {
    writeFileSync(join(project, 'first.cjs'), [
      "const { go } = require('@routine/runtime');",
      'go((a, b) => a * b, 6, 7).then((product) => console.log(product));',
    ].join('\n'));
    const { stdout } = await node('first.cjs');
    expect(stdout).toBe('42\n');
  });

  it('type-check against the shipped declarations with tsc --noEmit', async () => {
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, noEmit: true, types: ['node'], lib: ['es2023', 'esnext.disposable'] },
      include: ['check.mts'],
    }));
    writeFileSync(join(project, 'check.mts'), [
      "import { go, createRuntime, type Task } from '@routine/runtime';",
      'const task: Task<number> = go((a: number, b: number) => a + b, 1, 2);',
      'const sum: number = await task;',
      'const runtime = createRuntime({ workers: 1 });',
      'const doubled: Promise<number> = runtime.go((n: number) => n * 2, sum).catch(() => 0);',
      'export { doubled };',
    ].join('\n'));
    await expect(run(process.execPath, [join(project, 'node_modules/typescript/bin/tsc'), '-p', project], { cwd: project })).resolves.toBeDefined();
    writeFileSync(join(project, 'check.mts'), "import { go } from '@routine/runtime';\nconst wrong: string = await go((n: number) => n, 1);\nexport { wrong };\n");
    const failed = await run(process.execPath, [join(project, 'node_modules/typescript/bin/tsc'), '-p', project], { cwd: project }).catch((error: { stdout: string }) => error);
    expect((failed as { stdout: string }).stdout).toMatch(/TS2322/);
  }, 240_000);

  it('run inline tasks under vitest, `await import()` in them included, with vitest as it comes', async () => {
    writeFileSync(join(vitestProject, 'sum.test.mjs'), [
      "import { expect, it } from 'vitest';",
      "import { go } from '@routine/runtime';",
      "it('runs on a worker', async () => {",
      "  const task = async (a, b) => { const { current } = await import('@routine/runtime'); return [a + b, current().gid > 0]; };",
      "  expect(String(task)).toContain('__vite_ssr_dynamic_import__');",
      '  expect(await go(task, 1, 2)).toEqual([3, true]);',
      '});',
    ].join('\n'));
    const { stdout } = await run(process.execPath, [join(vitestProject, 'node_modules/vitest/vitest.mjs'), 'run', 'sum.test.mjs'], {
      cwd: vitestProject,
      timeout: 120_000,
      env: { ...process.env, VITEST: undefined, VITEST_POOL_ID: undefined, VITEST_WORKER_ID: undefined, NODE_ENV: undefined },
    });
    expect(stdout).toMatch(/1 passed/);
  }, 180_000);

  it('install the routine command', async () => {
    const routine = join(project, 'node_modules/.bin/routine');
    const { stdout } = await run(routine, ['--version'], { cwd: project });
    expect(stdout.trim()).toBe(JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8')).version);
    writeFileSync(join(project, 'task.mjs'), 'export default (record) => ({ doubled: record.n * 2 });\n');
    writeFileSync(join(project, 'records.jsonl'), '{"n":21}\n');
    const mapped = await run(routine, ['map', 'task.mjs', 'records.jsonl', '--workers', '1'], { cwd: project });
    expect(mapped.stdout).toBe('{"doubled":42}\n');
    expect(mapped.stderr).toMatch(/^routine map: 1 record, 0 failed, 1 written, /);
  });

  it('without esbuild, a .ts task module fails saying what to install (on a Node that does not strip types)', async () => {
    writeFileSync(join(project, 'work.ts'), 'export function twice(n: number): number {\n  return n * 2;\n}\n');
    writeFileSync(join(project, 'ts-task.mjs'), [
      "import { tasks, go } from '@routine/runtime';",
      "const work = tasks(new URL('./work.ts', import.meta.url));",
      'const result = await go(work.twice, 21).result();',
      'console.log(result.ok ? result.value : result.error.message);',
    ].join('\n'));
    const { stdout } = await node('ts-task.mjs');
    if ((process.features as { typescript?: unknown }).typescript) expect(stdout).toBe('42\n');
    else expect(stdout).toMatch(/compiles TypeScript task modules with esbuild, which is not installed\. Install it next to routine \(npm install esbuild\)/);
  });
});
