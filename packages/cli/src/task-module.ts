/**
 * The task module of `routine map`, checked once, before any record runs, so a typo fails here and
 * not once per record: the file exists, it loads, and the export is a function.
 *
 * The check runs on one of the runtime's workers, never on this thread: a module's top-level code
 * may expect a worker (or be costly, or have side effects), and the worker would import it for the
 * first record anyway. Its module cache keeps that import, so the module still loads once there.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tasks, type TaskFn } from '@routine/runtime';
import type { MapRuntime } from './cluster-map.js';
import { UsageError } from './args.js';
import { describe } from './describe.js';

const TS_MODULE = /\.[cm]?ts$/;

export async function loadTaskModule(runtime: MapRuntime, path: string, exportName: string): Promise<TaskFn<[record: unknown]>> {
  const url = /^[a-z][a-z0-9+.-]*:/i.test(path) && !/^[a-z]:[\\/]/i.test(path) ? path : pathToFileURL(resolve(path)).href;
  if (url.startsWith('file:')) {
    await stat(fileURLToPath(url)).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot load task module ${path}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
    });
  }
  // A worker compiles TypeScript with these hooks once it runs a task from a .ts module; the probe
  // imports the module before that, so it registers them itself.
  const hooks = TS_MODULE.test(new URL(url).pathname) ? import.meta.resolve('@routine/worker-entry/ts-hooks') : undefined;
  const probe = await runtime.go(functionExports, url, hooks).result();
  if (!probe.ok) throw new UsageError(`cannot load task module ${path}: ${describe(probe.error)}`);
  const functions = probe.value;
  if (!functions.includes(exportName)) {
    throw new UsageError(
      `${path} has no function export '${exportName}'. ${functions.length > 0 ? `Its function exports: ${functions.join(', ')}; pick one with --export <name>` : 'It exports no functions'}`,
    );
  }
  return tasks<Record<string, TaskFn<[record: unknown]>>>(url)[exportName];
}

/** Runs on a worker: shipped by its source, so it names nothing outside itself. */
async function functionExports(url: string, hooks: string | undefined): Promise<string[]> {
  if (hooks !== undefined) (await import('node:module')).register(hooks);
  const namespace = (await import(url)) as Record<string, unknown>;
  return Object.keys(namespace).filter((key) => typeof namespace[key] === 'function');
}
