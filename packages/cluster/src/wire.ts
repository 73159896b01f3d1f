/**
 * What a task carries through Redis, and how. BullMQ stores job data and return values as JSON,
 * so arguments, results and errors are encoded with `v8.serialize` (the structured clone the
 * local runtime uses between threads: Maps, Dates, BigInts, typed arrays survive) and sent as
 * base64 text. Workers must run the same or a newer Node than the callers (V8's format reads
 * older versions). Each encoding is checked against the cluster's byte limit before it is sent.
 */
import { deserialize, serialize } from 'node:v8';
import { fromWire, type Result, SerializationError, toWire, type WireError } from '@routine/core';

/** The version of JobData; a worker refuses a job of another one by name. */
export const WIRE_VERSION = 1;

/** A job's data: everything a worker needs to run one task. */
export interface JobData {
  v: number;
  /** 'inline': a function's source (checked for captures by the caller); 'module': url#export. */
  kind: 'inline' | 'module';
  code: string;
  /** The encoded argument list. */
  args: string;
  gid: number;
  parentGid: number;
  /** The trace id and parent span as six int32 words, then 1 if sampled. */
  trace: number[];
  name?: string;
  /** Epoch ms after which the task has timed out, and the timeout it came from. */
  deadline?: number;
  timeoutMs?: number;
}

/** What a failed job's reason starts with: readable in any BullMQ dashboard, then the error itself. */
const ERROR_MARK = '\n#routine-error:';

/** Encodes `value` as base64 text; `what` names it in the errors (e.g. "the arguments of task f"). */
export function encode(value: unknown, limit: number, what: string): string {
  let bytes: Buffer;
  try {
    bytes = serialize(value);
  } catch (error) {
    throw new SerializationError(`${what} cannot be sent to another machine: ${(error as Error).message}. Send plain data (structured-cloneable values)`, { cause: error });
  }
  if (bytes.length > limit) {
    throw new SerializationError(
      `${what} take ${bytes.length} bytes encoded, over the cluster's limit of ${limit} (maxPayloadBytes). ` +
        'Send a reference instead (a path, a URL, a key in your own store), or raise maxPayloadBytes on the callers and workers',
    );
  }
  return bytes.toString('base64');
}

export function decode(text: string): unknown {
  return deserialize(Buffer.from(text, 'base64'));
}

/** A task's failure as a job's failed reason. */
export function errorReason(error: unknown, gid: number): string {
  const wire = toWire(error);
  let packed: string;
  try {
    packed = serialize({ wire, gid }).toString('base64');
  } catch {
    packed = serialize({ wire: { name: wire.name, message: wire.message, stack: wire.stack }, gid }).toString('base64');
  }
  return `${wire.name}: ${wire.message}${ERROR_MARK}${packed}`;
}

/**
 * The error a failed job's reason names. A reason that is not one of ours came from BullMQ itself
 * (a job that stalled too often, a worker that could not read it): `orElse` says what it means.
 */
export function errorOf(reason: string, orElse: (reason: string) => Error): Error {
  const at = reason.lastIndexOf(ERROR_MARK);
  if (at < 0) return orElse(reason);
  try {
    const { wire, gid } = deserialize(Buffer.from(reason.slice(at + ERROR_MARK.length), 'base64')) as { wire: WireError; gid: number };
    const error = fromWire(wire) as Error & { gid?: number };
    error.gid = gid;
    return error;
  } catch {
    return orElse(reason.slice(0, at));
  }
}

/** A job's return value: the encoded outcome of its task. */
export function outcomeOf(returnvalue: unknown): Result<unknown> {
  if (typeof returnvalue !== 'string') {
    return { ok: false, error: new SerializationError(`a worker returned ${typeof returnvalue} where an encoded result was expected; is it a routine worker of the same version?`) };
  }
  return { ok: true, value: decode(returnvalue) };
}
