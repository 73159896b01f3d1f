/**
 * The Node flags a worker starts with when createRuntime is not given `execArgv`.
 *
 * Left alone, a worker inherits its parent's parsed options. That works for every flag except the
 * ones describing the parent's own entry point: with `--input-type` (as in `node --input-type=module
 * -e ...`) a worker refuses to start (ERR_INPUT_TYPE_NOT_ALLOWED), its entry being a file. A parent
 * with such a flag gives its workers its execArgv without the entry-point flags (eval, print, REPL,
 * syntax check, test runner, watch mode) instead. Node validates a list given explicitly and refuses
 * process-wide flags in it (V8 flags, --title, ...); those already hold for the whole process, so
 * `withoutRefused` drops the ones Node names and the worker is started again.
 */

/** Inherited, these make a worker fail to boot. */
const BREAKS_A_WORKER = new Set(['--input-type']);

/** The parent's entry point, with whether the flag takes a value (`--flag value` or `--flag=value`). */
const ENTRY_FLAGS = new Map<string, boolean>([
  ['--input-type', true], ['--eval', true], ['-e', true], ['--print', true], ['-p', true],
  ['--interactive', false], ['-i', false], ['--check', false], ['-c', false],
  ['--test', false], ['--watch', false], ['--watch-path', true], ['--watch-preserve-output', false],
]);

/** Test-runner options: `--test-*` and `--experimental-test-*`; these that take a value. */
const TEST_FLAG = /^--(experimental-)?test-/;
const TEST_FLAGS_WITH_VALUE = /^--test-(reporter|reporter-destination|name-pattern|skip-pattern|shard|concurrency|timeout|coverage-include|coverage-exclude|coverage-branches|coverage-functions|coverage-lines|isolation|global-setup)$/;

/** The execArgv to start workers with, or undefined to let them inherit the parent's options. */
export function workerExecArgv(parent: readonly string[]): string[] | undefined {
  if (!parent.some((flag) => BREAKS_A_WORKER.has(nameOf(flag)))) return undefined;
  const kept: string[] = [];
  for (let i = 0; i < parent.length; i++) {
    const flag = parent[i];
    const name = nameOf(flag);
    const takesValue = ENTRY_FLAGS.get(name) ?? (TEST_FLAG.test(name) ? TEST_FLAGS_WITH_VALUE.test(name) : undefined);
    if (takesValue === undefined) {
      kept.push(flag);
      continue;
    }
    if (takesValue && !flag.includes('=')) i++;
  }
  return kept;
}

/**
 * `execArgv` less the flags Node refused in `error` (its ERR_WORKER_INVALID_EXEC_ARGV message
 * lists them), or undefined when the error is something else or names none of them.
 */
export function withoutRefused(execArgv: readonly string[], error: unknown): string[] | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== 'ERR_WORKER_INVALID_EXEC_ARGV' || typeof message !== 'string') return undefined;
  const listed = message.slice(message.indexOf(':') + 1).split(',').map((flag) => flag.trim());
  const kept = execArgv.filter((flag) => !listed.includes(flag));
  return kept.length < execArgv.length ? kept : undefined;
}

function nameOf(flag: string): string {
  const equals = flag.indexOf('=');
  return equals < 0 ? flag : flag.slice(0, equals);
}
