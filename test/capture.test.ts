import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('a global name the caller reuses is a capture', () => {
  it('locals and imports named URL, crypto, fetch, name, process, Buffer are refused, and the ways out work', async () => {
    const { stdout } = await run(process.execPath, [new URL('./fixtures/shadowed-globals.mjs', import.meta.url).pathname], { timeout: 30_000 });
    const outcome = JSON.parse(stdout) as Record<string, { refused?: string[]; globalNamed?: string[]; message?: string }> & {
      viaGlobalThis: string;
      viaArgument: string;
      viaImport: number;
    };
    for (const global of ['URL', 'crypto', 'fetch', 'process', 'Buffer']) {
      expect(outcome[global], global).toMatchObject({ refused: [global], globalNamed: [global] });
      expect(outcome[global].message).toContain(`Write globalThis.${global} for the worker's global`);
    }
    // Not a global of the main thread (a worker may have one): refused as a plain capture.
    expect(outcome.name).toMatchObject({ refused: ['name'], globalNamed: [] });
    expect(outcome.name.message).toMatch(/captures "name" from its surrounding scope.*Pass it as an argument/);
    expect(outcome.viaGlobalThis).toBe('function');
    expect(outcome.viaArgument).toBe('https://example.com/');
    expect(outcome.viaImport).toBe(36);
  });
});
