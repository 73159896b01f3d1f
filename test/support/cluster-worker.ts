/** `routine worker` processes for the cluster tests, each a real child process of the built CLI. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));

/** Every worker still running, killed if the test process exits without stopping it (a timed-out hook). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export class WorkerProcess {
  readonly child: ChildProcess;
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly url: string, queue: string, extra: string[] = []) {
    this.child = spawn(process.execPath, [BIN, 'worker', '--redis', url, '--queue', queue, '--workers', '1', '--lock', '1500', ...extra], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child.stderr!.on('data', (chunk) => (this.stderr += chunk));
    running.add(this.child);
    this.child.once('exit', () => running.delete(this.child));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Resolves once it takes jobs; rejects with its output if it exits first or takes over 20 s. */
  async ready(): Promise<this> {
    const deadline = Date.now() + 20_000;
    while (!this.stderr.includes('ready:')) {
      if (this.child.exitCode !== null || Date.now() > deadline) throw new Error(`routine worker did not start: ${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Ends it, by SIGKILL if `signal` has not ended it within `ms`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', ms = 10_000): Promise<void> {
    if (!this.alive) return;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), ms);
    await this.exited;
    clearTimeout(timer);
  }
}

export async function startWorkers(count: number, url: string, queue: string, extra?: string[]): Promise<WorkerProcess[]> {
  return Promise.all(Array.from({ length: count }, () => new WorkerProcess(url, queue, extra).ready()));
}
