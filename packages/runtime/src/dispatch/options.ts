/** createRuntime's options: defaults, and a clear error for each bad value. */
import { availableParallelism } from 'node:os';
import { type ResourceLimits, SHARE_ENV } from 'node:worker_threads';
import type { Logger } from 'pino';
import { envLogLevel, got, InvalidArgumentError, type LayoutOptions, LOG_LEVELS, type LogLevel, moduleUrlOf } from '@routine/core';

/** Options of `createRuntime()`; each one left out has the default its comment gives. */
export interface RuntimeOptions {
  /** What it is listed under in serveDebug's /metrics and /debug/routines; default runtime-1, runtime-2, ... */
  name?: string;
  /** Worker threads; default `os.availableParallelism()`. */
  workers?: number;
  /** The most workers resize() may grow to; default `workers`. Each slot costs its shared memory (about 140 KiB). */
  maxWorkers?: number;
  /** Slots of the submission ring: a power of two, default 4096. */
  queueCapacity?: number;
  /** Tasks allowed to wait behind a full ring; beyond it `go` throws QueueFullError. Default Infinity. */
  maxQueue?: number;
  /**
   * Where routine logs (unobserved failures, worker deaths, and `logger()` in tasks: what the
   * workers log comes here too, with a `worker` field); default pino on stderr.
   */
  logger?: Logger;
  /**
   * The level routine logs at, workers included: `fatal`, `error`, `warn`, `info`, `debug`,
   * `trace` or `silent`. Default: the level of `logger` when one is given, else the
   * ROUTINE_LOG_LEVEL environment variable, else `info`.
   */
  logLevel?: LogLevel;
  /** Module imported once in every worker before it takes tasks. */
  workerSetup?: string | URL;
  /** Per-worker V8 heap limits; a worker that exceeds them dies and its task fails as a panic. */
  resourceLimits?: ResourceLimits;
  /**
   * Node flags for the workers (Node refuses process-wide ones such as V8 flags). Default: the
   * parent's, less those describing its own entry point (`--input-type`, `--eval`, `--test`, ...).
   */
  execArgv?: string[];
  /** The workers' `process.env`: an object of strings, or `SHARE_ENV` to share the parent's. Default: a copy of the parent's. */
  env?: Record<string, string> | typeof SHARE_ENV;
  /** Bytes of shared memory for payloads over 40 bytes; default 64 MiB (pages are touched only as used). */
  arenaBytes?: number;
  /**
   * Counters, wait/run-time histograms and busy time (default true). Off saves their cost per
   * task (see the README's benchmark), and stats() then throws.
   */
  metrics?: boolean;
  /**
   * Tasks one worker may hold at once, running or waiting (an async task that awaits a nested
   * one, a channel, a timer); default 65536. Past it the worker fails the tasks it claims with
   * QueueFullError instead of running them.
   */
  maxTasksPerWorker?: number;
}

export interface ResolvedOptions {
  /** Workers started at creation; layout.workers is maxWorkers. */
  workers: number;
  name?: string;
  layout: LayoutOptions;
  maxQueue: number;
  logger?: Logger;
  /** The level asked for (option or environment), if it differs from the logger's own. */
  logLevel?: LogLevel;
  /** The level the workers log at: lines below it are not even posted. */
  workerLogLevel: LogLevel;
  workerSetup?: string;
  resourceLimits?: ResourceLimits;
  execArgv?: string[];
  env?: Record<string, string> | typeof SHARE_ENV;
  metrics: boolean;
}

const MAX_WORKERS = 1024;
/** Claim entries of each worker kept in the runtime's buffer; the rest are spilled (claim-table.ts). */
const FIXED_CLAIM_SLOTS = 64;
const MAX_TASKS_PER_WORKER = 1 << 20;

const KNOWN_OPTIONS = new Set<string>([
  'workers', 'queueCapacity', 'maxQueue', 'logger', 'logLevel', 'workerSetup', 'resourceLimits', 'execArgv', 'env', 'arenaBytes', 'metrics',
  'maxTasksPerWorker', 'name', 'maxWorkers',
] satisfies (keyof RuntimeOptions)[]);

const RESOURCE_LIMITS = new Set<string>([
  'maxYoungGenerationSizeMb', 'maxOldGenerationSizeMb', 'codeRangeSizeMb', 'stackSizeMb',
] satisfies (keyof ResourceLimits)[]);

export function resolveOptions(options: RuntimeOptions = {}): ResolvedOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidArgumentError(`createRuntime() takes an options object, ${got(options)}`);
  }
  // A misspelt option would otherwise be ignored without a word.
  const unknown = Object.keys(options).filter((key) => !KNOWN_OPTIONS.has(key));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(`createRuntime() has no option ${unknown.map((key) => `"${key}"`).join(', ')}; the options are ${[...KNOWN_OPTIONS].join(', ')}`);
  }
  const workers = options.workers ?? availableParallelism();
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
    throw new InvalidArgumentError(
      `workers must be a whole number from 1 to ${MAX_WORKERS}, ${got(workers)}. ` +
        'Leave it out to use one worker per core (os.availableParallelism())',
    );
  }
  const maxWorkers = options.maxWorkers ?? workers;
  if (!Number.isInteger(maxWorkers) || maxWorkers < workers || maxWorkers > MAX_WORKERS) {
    throw new InvalidArgumentError(`maxWorkers must be a whole number from workers (${workers}) to ${MAX_WORKERS}, ${got(maxWorkers)}`);
  }
  const queueCapacity = options.queueCapacity ?? 4096;
  if (!Number.isInteger(queueCapacity) || queueCapacity < 2 || queueCapacity > 1 << 20 || (queueCapacity & (queueCapacity - 1)) !== 0) {
    throw new InvalidArgumentError(`queueCapacity must be a power of two from 2 to 1048576, ${got(queueCapacity)}`);
  }
  const maxQueue = options.maxQueue ?? Infinity;
  if (typeof maxQueue !== 'number' || Number.isNaN(maxQueue) || maxQueue < 0) {
    throw new InvalidArgumentError(`maxQueue must be a number >= 0 (or Infinity), ${got(maxQueue)}`);
  }
  const arenaBytes = options.arenaBytes ?? 64 << 20;
  if (!Number.isInteger(arenaBytes) || arenaBytes < 4096 || arenaBytes > 2 ** 31 - 4096) {
    throw new InvalidArgumentError(`arenaBytes must be a whole number from 4096 to 2^31 - 4096, ${got(arenaBytes)}`);
  }
  const metrics = options.metrics ?? true;
  if (typeof metrics !== 'boolean') throw new InvalidArgumentError(`metrics must be true or false, ${got(metrics)}`);
  const { execArgv, env } = options;
  if (execArgv !== undefined && (!Array.isArray(execArgv) || !execArgv.every((flag) => typeof flag === 'string'))) {
    throw new InvalidArgumentError(`execArgv must be an array of strings (Node flags for the workers), ${got(execArgv)}`);
  }
  if (env !== undefined && env !== SHARE_ENV && !isStringRecord(env)) {
    throw new InvalidArgumentError(`env must be an object of strings or SHARE_ENV, ${got(env)}`);
  }
  const { logger, workerSetup, resourceLimits, name } = options;
  if (name !== undefined && (typeof name !== 'string' || name === '')) {
    throw new InvalidArgumentError(`name must be a non-empty string (what serveDebug lists the runtime under), ${got(name)}`);
  }
  if (logger !== undefined && (logger === null || typeof logger !== 'object' || typeof logger.error !== 'function' || typeof logger.child !== 'function')) {
    throw new InvalidArgumentError(`logger must be a pino logger (an object with error() and child()), ${got(logger)}`);
  }
  if (resourceLimits !== undefined) checkResourceLimits(resourceLimits);
  if (options.logLevel !== undefined && !(LOG_LEVELS as readonly unknown[]).includes(options.logLevel)) {
    throw new InvalidArgumentError(`logLevel must be one of ${LOG_LEVELS.join(', ')}, ${got(options.logLevel)}`);
  }
  let fromEnv: LogLevel | undefined;
  try {
    fromEnv = envLogLevel();
  } catch (error) {
    throw new InvalidArgumentError(`${(error as Error).message}. Unset it or pick a level`);
  }
  // A logger given keeps its own level unless logLevel says otherwise; the environment sets only routine's own.
  const logLevel = options.logLevel ?? (logger ? undefined : fromEnv);
  const loggerLevel = logger ? (logger.level as LogLevel) : 'info';
  // A custom level of the logger's own: let every line through and let the logger decide.
  const workerLogLevel = logLevel ?? ((LOG_LEVELS as readonly string[]).includes(loggerLevel) ? loggerLevel : 'trace');
  const maxTasksPerWorker = options.maxTasksPerWorker ?? 1 << 16;
  if (!Number.isInteger(maxTasksPerWorker) || maxTasksPerWorker < 1 || maxTasksPerWorker > MAX_TASKS_PER_WORKER) {
    throw new InvalidArgumentError(`maxTasksPerWorker must be a whole number from 1 to ${MAX_TASKS_PER_WORKER}, ${got(maxTasksPerWorker)}`);
  }
  const claimSlots = Math.min(FIXED_CLAIM_SLOTS, maxTasksPerWorker);
  return {
    workers,
    layout: {
      workers: maxWorkers,
      queueCapacity,
      workerInboxCapacity: 1024,
      claimSlots,
      spillSlots: maxTasksPerWorker - claimSlots,
      codeEntries: 16384,
      codeTextBytes: 4 << 20,
      arenaBytes,
    },
    name,
    maxQueue,
    logger,
    logLevel,
    workerLogLevel,
    workerSetup: workerSetup === undefined ? undefined : moduleUrlOf(workerSetup, 'workerSetup'),
    resourceLimits: resourceLimits && { ...resourceLimits },
    execArgv: execArgv && [...execArgv],
    env: env === SHARE_ENV || env === undefined ? env : { ...env },
    metrics,
  };
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((entry) => typeof entry === 'string');
}

/** Node would ignore a key it does not know and a value that is not a number, without a word. */
function checkResourceLimits(limits: unknown): asserts limits is ResourceLimits {
  if (limits === null || typeof limits !== 'object' || Array.isArray(limits)) {
    throw new InvalidArgumentError(`resourceLimits must be an object such as { maxOldGenerationSizeMb: 512 }, ${got(limits)}`);
  }
  for (const [key, value] of Object.entries(limits)) {
    if (!RESOURCE_LIMITS.has(key)) {
      throw new InvalidArgumentError(`resourceLimits has no limit "${key}"; the limits are ${[...RESOURCE_LIMITS].join(', ')}`);
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new InvalidArgumentError(`resourceLimits.${key} must be a number of megabytes > 0, ${got(value)}`);
    }
  }
}
