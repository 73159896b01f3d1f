/**
 * What a first go() loads: the heavy optional packages stay unloaded until something needs them
 * (OpenTelemetry until an SDK registers, acorn until an inline task is checked, pino until a line
 * is logged, cockatiel and croner until retries or a scheduler). Run in a fresh process, since
 * this suite has loaded all of them.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const RUNTIME = new URL('../packages/runtime/dist/index.js', import.meta.url).href;
const FIXTURE = new URL('./fixtures/variants.mjs', import.meta.url).href;

const script = `
import { createRequire } from 'node:module';
const { createRuntime, tasks } = await import(${JSON.stringify(RUNTIME)});
const runtime = createRuntime({ workers: 1 });
const work = tasks(${JSON.stringify(FIXTURE)});
const value = await runtime.go(work.double, 21);
await runtime.close();
const loaded = Object.keys(createRequire(import.meta.url).cache);
console.log(JSON.stringify({ value, heavy: loaded.filter((file) => /@opentelemetry|[\\\\/]acorn[\\\\/]|[\\\\/]pino[\\\\/]|cockatiel|croner|esbuild/.test(file)) }));
`;

describe('a first go() with a module task', () => {
  it('loads none of the heavy optional packages', async () => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { timeout: 60_000 });
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({ value: 42, heavy: [] });
  });
});
