import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dir = new URL('../examples/', import.meta.url);
const examples = readdirSync(dir).filter((file) => file.endsWith('.mjs')).sort();

/** The lines of an example's trailing `// Output:` comment, as Go's testable examples have. */
function expectedOutput(source: string): string[] {
  const at = source.lastIndexOf('// Output:');
  if (at < 0) throw new Error('the example has no "// Output:" comment');
  return source
    .slice(at)
    .split('\n')
    .slice(1)
    .filter((line) => line.startsWith('//'))
    .map((line) => line.replace(/^\/\/ ?/, ''));
}

describe('examples', () => {
  it('cover every topic the docs promise', () => {
    for (const topic of [
      'basic-go', 'recover', 'groups', 'hooks', 'background-worker', 'cleanup', 'pipeline', 'worker-pool', 'scheduler',
      'handlers', 'stats', 'http-handler', 'queue-consumer', 'batch-inserts', 'wait-group', 'spawn-many', 'async-await', 'timeouts',
      'debug-endpoint', 'tracing',
      'channel-worker-pool', 'fan-in', 'generator-pipeline', 'select-timeout', 'rate-limit', 'mutex',
    ]) {
      expect(examples).toContain(`${topic}.mjs`);
    }
  });

  it.each(examples)('%s prints what its Output comment says, and exits by itself', async (file) => {
    const path = new URL(file, dir).pathname;
    const { stdout } = await run(process.execPath, [path], { timeout: 30_000 });
    expect(stdout.trimEnd().split('\n')).toEqual(expectedOutput(readFileSync(path, 'utf8')));
  });
});
