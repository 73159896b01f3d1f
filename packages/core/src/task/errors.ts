/**
 * Every error routine raises, in one place. Each has a stable `code` and carries `cause` where
 * there is one; `gid` names the task it concerns, when it concerns one.
 */

export class RoutineError extends Error {
  readonly code: string = 'ERR_ROUTINE';
  gid?: number;
  constructor(message: string, options?: { cause?: unknown; gid?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options?.gid !== undefined) this.gid = options.gid;
  }
}

/** A task ran past its deadline and was stopped. */
export class TimeoutError extends RoutineError {
  override readonly code = 'ERR_ROUTINE_TIMEOUT';
}

/** A task was cancelled (by `cancel()`, a signal, or its group) before it finished. */
export class CancelledError extends RoutineError {
  override readonly code = 'ERR_ROUTINE_CANCELLED';
}

/** The queue behind the ring (`maxQueue`) or a pool's queue is full. */
export class QueueFullError extends RoutineError {
  override readonly code = 'ERR_ROUTINE_QUEUE_FULL';
}

/** The worker running a task died under it: a panic. `cause` holds what killed it. */
export class WorkerCrashError extends RoutineError {
  override readonly code = 'ERR_ROUTINE_WORKER_CRASH';
  /** The worker's exit code, when it exited rather than threw. */
  exitCode?: number;
}

/**
 * A worker could not start: its workerSetup module threw or does not exist, its resourceLimits are
 * too small to boot, or Node refused its execArgv. Tasks reject with it once the restarts allowed
 * are used up; the runtime is then broken and every later `go` throws it. `cause` is the worker's
 * own error, `exitCode` its exit code when it exited without one.
 */
export class WorkerStartError extends RoutineError {
  override readonly code = 'ERR_ROUTINE_WORKER_START';
  exitCode?: number;
}

/**
 * The runtime's table of task code is full: too many distinct task functions, or one whose
 * source text does not fit. Nothing was registered; functions that fit still can be.
 */
export class CodeTableFullError extends RoutineError {
  override readonly code = 'ERR_ROUTINE_CODE_TABLE_FULL';
}

/**
 * An inline task function refers to a variable from its surrounding scope, or to a global whose
 * name the caller's scope could be reusing (`globalNamed`): see capture.ts.
 */
export class TaskCaptureError extends RoutineError {
  override readonly code = 'ERR_ROUTINE_TASK_CAPTURE';
  constructor(
    readonly variables: readonly string[],
    source: string,
    readonly globalNamed: readonly string[] = [],
  ) {
    const quoted = (names: readonly string[]) => names.map((name) => `"${name}"`).join(', ');
    const locals = variables.filter((name) => !globalNamed.includes(name));
    const parts: string[] = [];
    if (locals.length > 0) {
      parts.push(
        `task function captures ${quoted(locals)} from its surrounding scope, but a task runs on another thread ` +
          `and cannot see it. Pass ${locals.length > 1 ? 'them' : 'it'} as ${locals.length > 1 ? 'arguments' : 'an argument'}: ` +
          `go((${locals.join(', ')}, ...) => ..., ${locals.join(', ')}).`,
      );
    }
    if (globalNamed.length > 0) {
      const [first] = globalNamed;
      parts.push(
        `task function uses ${quoted(globalNamed)}, a global's name that your code may also declare or import ` +
          `(const ${first} = ..., import ${first} from '...'), and a task cannot tell which it means. ` +
          `Write globalThis.${first} for the worker's global, import it inside the task, or pass it as an argument.`,
      );
    }
    super(`${parts.join(' ')} Function: ${abbreviate(source)}`);
  }
}

/** The runtime was closed or terminated; nothing more is accepted. */
export class RuntimeClosedError extends RoutineError {
  override readonly code = 'ERR_ROUTINE_CLOSED';
}

/** A circuit breaker is open and refused the call. */
export class BrokenCircuitError extends RoutineError {
  override readonly code = 'ERR_ROUTINE_BROKEN_CIRCUIT';
}

/** An argument or result cannot be sent to another thread. */
export class SerializationError extends RoutineError {
  override readonly code = 'ERR_ROUTINE_SERIALIZATION';
}

/** Bad options or a bad task function: says what was wrong and what to do. */
export class InvalidArgumentError extends RoutineError {
  override readonly code = 'ERR_ROUTINE_INVALID_ARGUMENT';
}

function abbreviate(source: string): string {
  const oneLine = source.replace(/\s+/g, ' ');
  return oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine;
}

/** One item of a `map()` failed and the batch stopped. `index` is the item's, `cause` its error. */
export class MapItemError extends RoutineError {
  override readonly code = 'ERR_ROUTINE_MAP_ITEM';
  index = -1;
}

/** A pipeline stage failed on an item; the pipeline stopped. `cause` is the stage's error. */
export class PipelineError extends RoutineError {
  override readonly code = 'ERR_ROUTINE_PIPELINE';
  constructor(
    readonly stage: string,
    readonly index: number,
    cause: unknown,
  ) {
    super(`pipeline stage '${stage}' failed on item ${index}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
      gid: (cause as { gid?: number } | undefined)?.gid,
    });
  }
}

/** A send on a closed channel, or a second close: the channel is left as it was. */
export class ChannelClosedError extends RoutineError {
  override readonly code = 'ERR_ROUTINE_CHANNEL_CLOSED';
}
