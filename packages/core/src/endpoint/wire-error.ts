/**
 * How a task's failure crosses threads. An Error is flattened into plain data (class name,
 * message, worker stack, code, own enumerable fields, cause recursively) and rebuilt on the other
 * side as an Error whose `name` and `constructor.name` are the original class name, so
 * `err.name === 'ValidationError'` and `String(err)` read as they did in the worker.
 */
import {
  BrokenCircuitError, CancelledError, InvalidArgumentError, MapItemError, QueueFullError, RoutineError, RuntimeClosedError,
  SerializationError, TimeoutError, WorkerCrashError,
} from '../task/errors.js';

const BUILTIN_ERRORS: Record<string, ErrorConstructor> = {
  Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError,
};

/** routine's own errors come back as themselves, so `instanceof TimeoutError` works across threads. */
const ROUTINE_ERRORS: Record<string, new (message: string, options?: { cause?: unknown }) => Error> = {
  RoutineError, TimeoutError, CancelledError, QueueFullError, WorkerCrashError, RuntimeClosedError,
  BrokenCircuitError, SerializationError, InvalidArgumentError, MapItemError,
};

export interface WireError {
  name: string;
  message: string;
  stack?: string;
  code?: unknown;
  cause?: WireError | { value: unknown };
  fields?: Record<string, unknown>;
  /** Set when the task threw something that is not an Error. */
  thrown?: unknown;
}

export function toWire(error: unknown, depth = 0): WireError {
  if (!(error instanceof Error)) {
    return { name: 'Error', message: `task threw a non-Error value: ${describe(error)}`, thrown: cloneOrString(error) };
  }
  const wire: WireError = { name: error.name, message: error.message, stack: error.stack };
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(error)) {
    if (key === 'cause' || key === 'gid') continue;
    fields[key] = cloneOrString((error as unknown as Record<string, unknown>)[key]);
  }
  if (Object.keys(fields).length > 0) wire.fields = fields;
  if ('code' in error) wire.code = cloneOrString(error.code);
  if (error.cause !== undefined && depth < 8) {
    wire.cause = error.cause instanceof Error ? toWire(error.cause, depth + 1) : { value: cloneOrString(error.cause) };
  }
  return wire;
}

export function fromWire(wire: WireError): Error {
  let cause: unknown;
  if (wire.cause !== undefined) cause = 'value' in wire.cause ? wire.cause.value : fromWire(wire.cause as WireError);
  const Routine = ROUTINE_ERRORS[wire.name];
  const Base = Routine ?? BUILTIN_ERRORS[wire.name] ?? Error;
  const error = cause === undefined ? new Base(wire.message) : new Base(wire.message, { cause });
  if (Base === Error && wire.name !== 'Error') {
    // Keep the class name visible to `instanceof`-free checks and to inspection.
    Object.defineProperty(error, 'name', { value: wire.name, configurable: true, writable: true });
    Object.defineProperty(error, 'constructor', {
      value: namedErrorClass(wire.name),
      configurable: true,
      writable: true,
    });
  }
  if (wire.fields) {
    const fields = { ...wire.fields };
    // A routine error's `code` is its class's own; the wire copy must not shadow it.
    if (Routine) delete fields.code;
    Object.assign(error, fields);
  }
  if (wire.code !== undefined && !Routine) (error as Error & { code?: unknown }).code = wire.code;
  if (wire.thrown !== undefined) (error as Error & { thrown?: unknown }).thrown = wire.thrown;
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}

const namedClasses = new Map<string, ErrorConstructor>();
function namedErrorClass(name: string): ErrorConstructor {
  let Class = namedClasses.get(name);
  if (!Class) {
    Class = { [name]: class extends Error {} }[name] as unknown as ErrorConstructor;
    namedClasses.set(name, Class);
  }
  return Class;
}

function cloneOrString(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return describe(value);
  }
}

function describe(value: unknown): string {
  try {
    return typeof value === 'string' ? JSON.stringify(value) : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
