/**
 * Trace ids in W3C terms, and how they are written into a ring slot: six int32 words (128-bit
 * trace id, 64-bit parent span id) plus the sampled bit, so nested tasks inherit their trace
 * with no side message. Where a task takes its trace from is trace.ts's business.
 */
import { gidCounter, ProcessWord } from '../memory/gid.js';
import { InvalidArgumentError } from './errors.js';
import { got } from './got.js';

export class Trace {
  #id: string | undefined;
  #parent: string | undefined;

  /** Trace id words t0..t3 (big-endian hex order), parent span words s0..s1. */
  constructor(
    readonly t0: number,
    readonly t1: number,
    readonly t2: number,
    readonly t3: number,
    readonly s0: number,
    readonly s1: number,
    readonly sampled: boolean,
  ) {}

  /** 32 lowercase hex digits. */
  get id(): string {
    this.#id ??= hex8(this.t0) + hex8(this.t1) + hex8(this.t2) + hex8(this.t3);
    return this.#id;
  }

  /** 16 lowercase hex digits: the span the trace was handed on from. */
  get spanId(): string {
    this.#parent ??= hex8(this.s0) + hex8(this.s1);
    return this.#parent;
  }

  /** The W3C `traceparent` header value a callee would receive. */
  get traceparent(): string {
    return `00-${this.id}-${this.spanId}-${this.sampled ? '01' : '00'}`;
  }

  equals(words: ArrayLike<number>, at: number, sampled: boolean): boolean {
    return (
      this.t0 === words[at] && this.t1 === words[at + 1] && this.t2 === words[at + 2] &&
      this.t3 === words[at + 3] && this.s0 === words[at + 4] && this.s1 === words[at + 5] &&
      this.sampled === sampled
    );
  }
}

/**
 * The trace a task with no other source starts: the process's random salt, then its gid, with a
 * span id made of salt bits and the gid (never zero, since a gid never is).
 */
export function writeRootTrace(i32: Int32Array, at: number, gid: number): void {
  const salt = gidCounter();
  const high = Math.floor(gid / 2 ** 32);
  i32[at] = salt[ProcessWord.SALT_HI];
  i32[at + 1] = salt[ProcessWord.SALT_LO];
  i32[at + 2] = high;
  i32[at + 3] = gid | 0;
  i32[at + 4] = (salt[ProcessWord.SALT_HI] & 0xffff0000) | high;
  i32[at + 5] = gid | 0;
}

/** The trace id a task rooted at `gid` has (what writeRootTrace writes), for logs. */
function rootTraceId(gid: number): string {
  const words = new Int32Array(6);
  writeRootTrace(words, 0, gid);
  return readTrace(words, 0, true, undefined).id;
}

/** The trace id of a task handle: the one it inherited, or the one it roots. */
export function traceIdOfTask(task: { gid: number; trace: Trace | undefined }): string {
  return task.trace?.id ?? rootTraceId(task.gid);
}

/** Reads a trace written into a slot at int32 index `at` (six words). */
export function readTrace(i32: Int32Array, at: number, sampled: boolean, last: Trace | undefined): Trace {
  if (last?.equals(i32, at, sampled)) return last;
  return new Trace(i32[at], i32[at + 1], i32[at + 2], i32[at + 3], i32[at + 4], i32[at + 5], sampled);
}

export function writeTrace(i32: Int32Array, at: number, trace: Trace): void {
  i32[at] = trace.t0;
  i32[at + 1] = trace.t1;
  i32[at + 2] = trace.t2;
  i32[at + 3] = trace.t3;
  i32[at + 4] = trace.s0;
  i32[at + 5] = trace.s1;
}

const TRACE_ID = /^[0-9a-f]{32}$/;
const SHORT_TRACE_ID = /^[0-9a-f]{16}$/;
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * A trace from a W3C traceparent, a 32-hex-digit trace id, or a 16-digit one (Zipkin's, padded
 * on the left). A bare id gets a fresh random span id: there must be one for a valid traceparent.
 */
export function parseTrace(value: unknown): Trace {
  if (typeof value !== 'string') {
    throw new InvalidArgumentError(`withTrace() takes a trace id or a W3C traceparent string, ${got(value)}`);
  }
  const text = value.trim().toLowerCase();
  const parent = TRACEPARENT.exec(text);
  if (parent && parent[1] !== 'ff' && !(parent[1] === '00' && parent[5] !== undefined)) {
    return fromHex(parent[2], parent[3], (parseInt(parent[4], 16) & 1) === 1, value);
  }
  if (TRACE_ID.test(text)) return fromHex(text, randomSpan(), true, value);
  if (SHORT_TRACE_ID.test(text)) return fromHex(text.padStart(32, '0'), randomSpan(), true, value);
  throw new InvalidArgumentError(
    `withTrace() got ${JSON.stringify(value)}: expected 32 hex digits (a trace id), 16 (a short one), ` +
      "or a traceparent like '00-<32 hex trace id>-<16 hex span id>-01'",
  );
}

/** A trace from hex ids; `what` names the input in the error for an all-zero (invalid) id. */
export function fromHex(traceId: string, spanId: string, sampled: boolean, what: unknown = traceId): Trace {
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) {
    throw new InvalidArgumentError(`${JSON.stringify(what)} is not a valid trace: a W3C trace or span id must not be all zeros`);
  }
  const word = (hex: string, at: number): number => parseInt(hex.slice(at, at + 8), 16) | 0;
  return new Trace(word(traceId, 0), word(traceId, 8), word(traceId, 16), word(traceId, 24), word(spanId, 0), word(spanId, 8), sampled);
}

function randomSpan(): string {
  const words = crypto.getRandomValues(new Uint32Array(2));
  words[1] ||= 1;
  return hex8(words[0]) + hex8(words[1]);
}

function hex8(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}
