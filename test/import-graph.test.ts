/**
 * The module graph inside each package and the graph between packages both point one way. An
 * `import { type X }` counts as an edge: with verbatimModuleSyntax it stays in the built file as
 * `import {} from`, so the module really loads. Only `import type` / `export type` are erased.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const packagesDir = join(root, 'packages');
const packages = readdirSync(packagesDir).filter((name) => !name.startsWith('.'));

const IMPORT = /^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm;

interface Edge {
  from: string;
  to: string;
}

function sourceFiles(pkg: string): string[] {
  const src = join(packagesDir, pkg, 'src');
  return (readdirSync(src, { recursive: true }) as string[])
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts') && !file.endsWith('.test.ts'))
    .map((file) => join(src, file));
}

function importsOf(file: string): { specifier: string; typeOnly: boolean }[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((match) => ({ specifier: match[2], typeOnly: match[1] !== undefined }));
}

function moduleEdges(pkg: string): Edge[] {
  const edges: Edge[] = [];
  for (const file of sourceFiles(pkg)) {
    for (const { specifier, typeOnly } of importsOf(file)) {
      if (typeOnly || !specifier.startsWith('.')) continue;
      edges.push({ from: file, to: resolve(dirname(file), specifier.replace(/\.js$/, '.ts')) });
    }
  }
  return edges;
}

/** One cycle as a path that starts and ends at the same node, or undefined if there is none. */
function findCycle(edges: Edge[]): string[] | undefined {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...path.slice(path.indexOf(node)), node];
    state.set(node, 'open');
    path.push(node);
    for (const to of next.get(node) ?? []) {
      const cycle = visit(to);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of next.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

function manifest(pkg: string): { name: string; dependencies?: Record<string, string> } {
  return JSON.parse(readFileSync(join(packagesDir, pkg, 'package.json'), 'utf8'));
}

describe('the import graph', () => {
  it('finds a cycle when there is one, so a pass below means something', () => {
    expect(findCycle([{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }, { from: 'c', to: 'a' }])).toEqual(['a', 'b', 'c', 'a']);
    expect(findCycle([{ from: 'a', to: 'b' }, { from: 'a', to: 'c' }, { from: 'b', to: 'c' }])).toBeUndefined();
  });

  it.each(packages)('has no module cycle inside %s', (pkg) => {
    const cycle = findCycle(moduleEdges(pkg));
    expect(cycle?.map((file) => relative(root, file)).join(' -> ')).toBeUndefined();
  });

  it('has no cycle between packages, and every package a module imports is declared', () => {
    const byName = new Map(packages.map((pkg) => [manifest(pkg).name, pkg]));
    const edges: Edge[] = [];
    for (const pkg of packages) {
      const { name, dependencies = {} } = manifest(pkg);
      for (const dependency of Object.keys(dependencies)) if (byName.has(dependency)) edges.push({ from: name, to: dependency });
      for (const file of sourceFiles(pkg)) {
        for (const { specifier } of importsOf(file)) {
          const imported = [...byName.keys()].find((other) => specifier === other || specifier.startsWith(`${other}/`));
          if (imported && imported !== name) {
            expect(dependencies, `${relative(root, file)} imports ${imported}, which ${name} does not declare`).toHaveProperty([imported]);
          }
        }
      }
    }
    expect(findCycle(edges)?.join(' -> ')).toBeUndefined();
  });
});
