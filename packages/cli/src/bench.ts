/**
 * `routine bench`: the side-by-side benchmark of the repository's bench/ directory (routine
 * against piscina, tinypool, workerpool and poolifier), passed the same options.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../../bench/run.mjs', import.meta.url));

export async function runBench(argv: string[]): Promise<number> {
  if (!existsSync(SCRIPT)) {
    process.stderr.write(
      `routine bench: the benchmark lives in routine's repository (bench/run.mjs), which is not here (looked for ${SCRIPT}).\n` +
        'Clone the repository and run it from there: npx -y pnpm@10 install && npx -y pnpm@10 bench\n',
    );
    return 2;
  }
  const child = spawn(process.execPath, [SCRIPT, ...argv], { stdio: 'inherit' });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + 2 : 1))));
}
