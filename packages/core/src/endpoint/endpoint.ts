/**
 * endpoint/: one thread's side of the data plane. connect.ts builds a thread's handles on the
 * buffer; this file submits and settles; completion.ts writes outcomes; task-handle.ts is the
 * Task a caller holds; code-ids.ts registers task code. The main thread and every worker run the
 * same code here, which is how a nested go takes the same path as a top-level one.
 *
 * One thread's connection to the data plane: it submits tasks into the shared submission ring and
 * settles them from its own inbox. The main thread and every worker have one each.
 *
 * Flow control: a thread keeps at most `credits` tasks of its own in flight (in the ring or
 * running), which is its inbox's capacity, so a completion always finds room and the workers that
 * write completions never wait on the thread that reads them. Tasks beyond that, or beyond a full
 * ring, wait in this thread's overflow line (bounded by `maxQueue`) in submission order: the
 * credits are an Admission (queue/admission.ts) whose start refuses while the ring is full.
 */
import { Counter, type CounterBlock, monotonicMs } from '@routine/stats';
import type { Arena } from '../memory/arena.js';
import type { CodeTable } from '../memory/code-table.js';
import { CodeIds } from './code-ids.js';
import { decode, Encoder, NEEDS_PORT, spillViews, UncloneableValue } from '../codec/codec.js';
import { currentContext, tracePassedOn } from '../task/context.js';
import { expectProgress, receiveProgress } from '../task/progress.js';
import {
  CancelledError, QueueFullError, RuntimeClosedError, SerializationError, TimeoutError,
  WorkerCrashError,
} from '../task/errors.js';
import type { GidSource } from '../memory/gid.js';
import { hasAfterHooks, runAfter, runBefore } from '../task/hooks.js';
import {
  arenaBlockOf, gidOf, INLINE_BYTES, inlineAt, Outcome, outcomeOf, progressSentOf, ranFromOf, ranOnOf, ranToOf, Placement, placementOf, replyGenerationOf, ticketOf,
  SubmitFlag, tokenWord, writeSubmission,
} from '../memory/slot.js';
import { argsKey, resultKey, type ParcelClient, valuesOf } from '../control/parcels.js';
import type { Ring } from '../memory/ring.js';
import { Admission } from '../queue/admission.js';
import type { Trace } from '../task/trace-id.js';
import { TaskHandle } from './task-handle.js';
import { fromWire, type WireError } from './wire-error.js';
import { unwrapTransfers } from '../codec/transfer.js';
import { NO_SAFE_POINT } from '../memory/safety.js';
import { SignalBinding } from './signal-binding.js';
import { UnobservedReporter } from './unobserved.js';
import type { Views } from '../memory/views.js';
import { clearDelay, delay } from '../sync/delay.js';

export interface EndpointParts {
  views: Views;
  submissions: Ring;
  inbox: Ring;
  /** Worker threads of the runtime. */
  workers: number;
  /** Index of this thread's inbox; completions name it in their REPLY word. */
  inboxIndex: number;
  /** Generation of this thread's inbox owner (0 for the main thread). */
  generation: number;
  arena: Arena;
  code: CodeTable;
  counters: CounterBlock;
  /** Stamp each task with the time it was accepted, for the wait-time histogram. */
  timing: boolean;
  /** Run before/after hooks around the tasks this thread starts (the main thread; see hooks.ts). */
  launchHooks: boolean;
  gids: GidSource;
  parcels: ParcelClient;
  maxQueue: number;
  /** A failure nobody observed, reported once nobody can (unobserved.ts). */
  onUnobserved(error: Error, gid: number, traceId: string): void;
  /** Called when a task a worker had already claimed passes its deadline: stop it for real. */
  onExpired?(gid: number): void;
  /** Called when a task a worker has already claimed is cancelled: abort its signal there. */
  onAbort?(gid: number): void;
  /**
   * Called when a task with a timeout is accepted. On a worker this asks the main thread to
   * watch the deadline too: the task may land on this very worker and block it, timer and all.
   */
  onDeadline?(gid: number, timeoutMs: number): void;
  /** Marks the stretches that write shared memory, so a worker is never terminated in one. */
  safePoint?: { enter(): void; leave(): void };
}

export interface SubmitOptions {
  name?: string;
  /** Aborting it cancels the task (see Task.cancel); already aborted, the task is never queued. */
  signal?: AbortSignal;
  /** A gid taken earlier with reserveGid(), for a handle that had to exist before its task. */
  gid?: number;
  /** That handle: the parent gid and trace it recorded when it was made (see deferredHandle). */
  lineage?: { parentGid: number; trace: Trace | undefined };
  /** Rejects with TimeoutError after this long; a task still running then is stopped. */
  timeoutMs?: number;
  /** The arguments are `[items, first]`: the worker runs fn(item, first + i) on each (map()). */
  batch?: boolean;
  /**
   * Higher goes first among tasks waiting in a runtime's line (dispatch/held-line.ts in
   * @routine/runtime); the endpoint itself ignores it.
   */
  priority?: number;
  /** The completion should say where and when the task ran (TaskHandle.ran): it is traced. */
  timed?: boolean;
  /** Its span is made on the main thread from this worker's report (task/span-relay.ts). */
  relayedSpan?: boolean;
}

/** Marks a slot's TOKEN word: a cancel turns position p into p ^ CANCEL_BIT, a claim into ~p. */
const CANCEL_BIT = 0x40000000;

export class Endpoint {
  readonly #parts: EndpointParts;
  readonly #views: Views;
  readonly #encoder = new Encoder();
  /** Pending tasks by ticket; a free ticket's entry is undefined. */
  readonly #pending: (TaskHandle<unknown> | undefined)[] = [];
  readonly #freeTickets: number[] = [];
  #pendingCount = 0;
  /** Tasks accepted but not yet in the ring, in submission order (see the top of the file). */
  /** Tasks of ours in the ring or running, at most the inbox's capacity; the rest wait in line. */
  readonly #credits: Admission<TaskHandle<unknown>>;
  /**
   * Tasks in the overflow line that may still run: the line also holds, until their turn, tasks
   * cancelled or timed out while they waited, which are counted already. This is what the waiting
   * gauge shows, and what a dead worker's recovery counts as never started.
   */
  #waiting = 0;
  readonly #code: CodeIds;
  readonly #signals = new SignalBinding();
  readonly #unobserved: UnobservedReporter;
  #closed = false;
  readonly #safePoint: { enter(): void; leave(): void };

  constructor(parts: EndpointParts) {
    this.#parts = parts;
    this.#views = parts.views;
    this.#credits = new Admission(parts.inbox.capacity, (task) => this.#pushWaiting(task), (task) => task.settled);
    this.#safePoint = parts.safePoint ?? NO_SAFE_POINT;
    this.#code = new CodeIds(parts.code);
    this.#unobserved = new UnobservedReporter(parts.onUnobserved);
  }

  /** Tasks submitted here and not yet settled (or, if cancelled, not yet given back). */
  get pendingCount(): number {
    return this.#pendingCount;
  }

  /** This thread's safe point: shared structures (channels, locks) mark their writes with it. */
  get safePoint(): { enter(): void; leave(): void } {
    return this.#safePoint;
  }

  get overflowCount(): number {
    return this.#credits.waiting;
  }

  close(): void {
    this.#closed = true;
  }

  /** Worker threads of the runtime this endpoint submits to. */
  get workers(): number {
    return this.#parts.workers;
  }

  /** A gid for a task to be submitted later (pass it as SubmitOptions.gid). */
  reserveGid(): number {
    return this.#parts.gids.next();
  }

  submit<R>(fn: unknown, args: unknown[], options?: SubmitOptions): TaskHandle<R> {
    this.#safePoint.enter();
    let task: TaskHandle<R>;
    try {
      task = this.#accept<R>(fn, args, options);
    } finally {
      this.#safePoint.leave();
    }
    // After the payload is written: a hook may itself call go(), and the encoder is not reentrant.
    if (this.#parts.launchHooks) runBefore(task.parentGid, task.gid);
    if (options?.signal && !task.settled) this.#signals.bind(task as TaskHandle<unknown>, options.signal);
    return task;
  }

  #accept<R>(fn: unknown, args: unknown[], options?: SubmitOptions): TaskHandle<R> {
    if (this.#closed) throw new RuntimeClosedError('the runtime is closed: it accepts no new tasks. Create a new runtime with createRuntime()');
    const codeId = this.#code.idOf(fn);
    if (this.overflowCount >= this.#parts.maxQueue) {
      throw new QueueFullError(`the queue is full: ${this.#parts.maxQueue} tasks already wait behind the ring (maxQueue). Wait for some to finish, or raise maxQueue`);
    }
    const size = this.#encoder.measure(args);
    if (size instanceof UncloneableValue) throw uncloneable(`argument ${size.index}`, size);
    const gid = options?.gid ?? this.#parts.gids.next();
    if (options?.signal?.aborted) {
      this.#encoder.forget();
      return this.#cancelledAtOnce<R>(gid, options.signal.reason);
    }
    let placement: number = Placement.inline;
    if (size === NEEDS_PORT) {
      // Shared memory cannot carry it: shared or moved buffers.
      placement = Placement.port;
      this.#putParcel(argsKey(gid), args);
    } else if (size > INLINE_BYTES) {
      placement = Placement.arena; // or by port after all, if the arena has no room (#push)
    }
    const task = new TaskHandle<unknown>(gid, this.#cancel);
    task.codeId = codeId;
    const lineage = options?.lineage;
    if (lineage) {
      task.parentGid = lineage.parentGid;
      task.trace = lineage.trace;
    } else {
      const parent = currentContext();
      task.parentGid = parent?.gid ?? 0;
      task.trace = tracePassedOn(parent);
    }
    if (this.#parts.timing) task.submittedMs = monotonicMs();
    const timeoutMs = options?.timeoutMs;
    if (timeoutMs !== undefined) {
      task.deadline = Date.now() + timeoutMs;
      task.timeoutMs = timeoutMs;
      task.timer = delay(timeoutMs, this.#expire, task);
      this.#parts.onDeadline?.(gid, timeoutMs);
    }
    task.placement = placement;
    task.size = size;
    if (options?.name !== undefined) task.nameId = this.#code.nameIdOf(options.name);
    if (options?.batch) task.flags |= SubmitFlag.batch;
    if (options?.timed) task.flags |= SubmitFlag.timed;
    if (options?.relayedSpan) task.flags |= SubmitFlag.relayedSpan;
    this.#track(task);
    this.#parts.counters.bump(Counter.launched);
    if (this.#credits.tryEnter()) {
      let pushed: boolean;
      try {
        pushed = this.#push(task, args);
      } catch (error) {
        // No memory for a payload that had to go by port: refused like any payload that cannot go.
        this.#credits.cancelEnter();
        this.#refuse(task, error, false); // the caller hears of it from the throw
        throw error;
      }
      if (pushed) return task as TaskHandle<R>;
      this.#credits.cancelEnter(); // the ring (or, for now, the arena) is full
    }
    if (placement !== Placement.port) task.detached = this.#encoder.detach(args);
    this.#credits.wait(task);
    this.#setWaiting(this.#waiting + 1);
    return task as TaskHandle<R>;
  }

  /**
   * Moves waiting tasks into the ring while it has room and this thread has credits.
   * Returns true when the overflow line is empty afterwards.
   */
  flushOverflow(): boolean {
    this.#credits.admit();
    return this.#credits.waiting === 0;
  }

  #setWaiting(count: number): void {
    this.#waiting = count;
    this.#parts.counters.set(Counter.waiting, count);
  }

  /**
   * A waiting task's turn: into the ring, or false while the ring is full. The waiting gauge moves
   * inside the same safe point as the push: a worker stopped between the two would leave a task
   * that is in the ring counted as still waiting, and its recovery would count it as never started.
   */
  #pushWaiting(task: TaskHandle<unknown>): boolean {
    this.#safePoint.enter();
    try {
      const pushed = this.#push(task, undefined);
      if (pushed) this.#setWaiting(this.#waiting - 1);
      return pushed;
    } catch (error) {
      // It can never go (no memory for its payload): it fails, and gives back the place it took.
      this.#setWaiting(this.#waiting - 1);
      this.#refuse(task, error, true);
      this.#credits.leave();
      return true;
    } finally {
      this.#safePoint.leave();
    }
  }

  /** A task accepted but never sent: it fails with `error`, never started, and is no longer tracked. */
  #refuse(task: TaskHandle<unknown>, error: unknown, report: boolean): void {
    this.#untrack(task);
    if (task.timer) clearDelay(task.timer);
    this.#parts.counters.bump(Counter.unstarted);
    this.#finish(task, Counter.errors, false, error, report);
  }

  /** Settles every completion waiting in this thread's inbox. Returns how many it read. */
  drain(): number {
    const { inbox } = this.#parts;
    const { i32, f64 } = this.#views;
    let count = 0;
    for (;;) {
      this.#safePoint.enter();
      const slot = inbox.claim();
      if (slot < 0) {
        this.#safePoint.leave();
        break;
      }
      const position = inbox.claimedPosition;
      const gid = gidOf(f64, slot);
      const ticket = ticketOf(i32, slot);
      const outcome = outcomeOf(i32, slot);
      const generation = replyGenerationOf(i32, slot);
      const placement = placementOf(i32, slot);
      const progressed = progressSentOf(i32, slot);
      const ranOn = ranOnOf(i32, slot);
      const ranFrom = ranOn < 0 ? 0 : ranFromOf(f64, slot);
      const ranTo = ranOn < 0 ? 0 : ranToOf(f64, slot);
      let value: unknown;
      if (placement === Placement.inline) value = decode(this.#views, inlineAt(slot))[0];
      else if (placement === Placement.arena) {
        const at = arenaBlockOf(i32, slot);
        value = decode(this.#views, at)[0];
        this.#parts.arena.free(at);
      }
      inbox.release(slot, position);
      this.#safePoint.leave();
      count++;
      if (generation !== this.#parts.generation) continue; // meant for a predecessor that died
      if (placement === Placement.port) {
        void this.#parts.parcels.take(resultKey(gid)).then((parcel) => this.#settle(ticket, gid, outcome, valuesOf(parcel)[0], progressed, ranOn, ranFrom, ranTo));
      } else {
        this.#settle(ticket, gid, outcome, value, progressed, ranOn, ranFrom, ranTo);
      }
    }
    return count;
  }

  /** A progress value came for task `gid`, which its worker says is at `ticket` here. */
  deliverProgress(ticket: number, gid: number, value: unknown): void {
    receiveProgress(this.#pending[ticket], gid, value);
  }

  /** Settles a task from a completion that did not come through the inbox (a crash). */
  settleExternally(ticket: number, gid: number, outcome: number, value: unknown): void {
    this.#settle(ticket, gid, outcome, value);
  }

  /** Whether pending task `gid` (at `ticket`) has been observed by its caller. */
  observed(ticket: number, gid: number): boolean {
    const task = this.#pending[ticket];
    return task !== undefined && task.gid === gid && task.observed;
  }

  /** Reports the failures nobody observed yet: the runtime or the worker is stopping. */
  reportUnobserved(): void {
    this.#unobserved.flush();
  }

  /** Fails every task still pending here (terminate): asked for, so not logged as unobserved. */
  abandonAll(error: Error): void {
    for (let ticket = 0; ticket < this.#pending.length; ticket++) {
      const task = this.#pending[ticket];
      if (task) {
        this.#untrack(task);
        this.#finish(task, Counter.cancelled, false, error, false);
      }
    }
    this.#credits.reset();
    this.#setWaiting(0);
  }

  #track(task: TaskHandle<unknown>): void {
    const ticket = this.#freeTickets.length > 0 ? this.#freeTickets.pop()! : this.#pending.length;
    this.#pending[ticket] = task;
    task.ticket = ticket;
    this.#pendingCount++;
  }

  #untrack(task: TaskHandle<unknown>): void {
    this.#pending[task.ticket] = undefined;
    this.#freeTickets.push(task.ticket);
    // The thread may be waiting on its inbox only because tasks were pending; if the last one
    // settled some other way (a cancel, a timeout, a crash), it must look again.
    if (--this.#pendingCount === 0) this.#parts.inbox.wake();
  }

  /** A task whose signal was aborted before it was submitted: settled, never queued. */
  #cancelledAtOnce<R>(gid: number, reason: unknown): TaskHandle<R> {
    const task = new TaskHandle<R>(gid, this.#cancel);
    this.#parts.counters.bump(Counter.launched);
    this.#parts.counters.bump(Counter.cancelled);
    task.settle(false, new CancelledError(`task ${gid} was cancelled before it started: its signal was already aborted`, { cause: reason, gid }));
    return task;
  }

  /**
   * Writes a task into the ring. `args` is undefined when they were detached into overflow.
   * Returns false, having changed nothing, when the ring is full (credits are the caller's: #credits)
   * or, on the main thread, when the arena is full while tasks wait in the ring: each of those
   * frees its block as it starts, so the room comes back within a task's hand-off, and waiting
   * for it costs one copy where going by port costs a buffer, a message and an async start.
   * Otherwise a payload the arena has no room for goes by port at once: with nothing in the ring
   * to free a block, or on a worker (whose task may be the one that must finish first), waiting
   * could hold up every task behind it for as long as the arena stays full.
   */
  #push(task: TaskHandle<unknown>, args: unknown[] | undefined): boolean {
    const { submissions, arena } = this.#parts;
    let arenaBlock = -1;
    let spill: Views | undefined;
    if (task.placement === Placement.arena) {
      arenaBlock = arena.allocate(task.size);
      if (arenaBlock < 0) {
        if (this.#parts.inboxIndex === 0 && !submissions.isEmpty() && task.size <= arena.largestBlock) return false;
        // Allocated before the slot is reserved: past that point nothing may throw.
        spill = spillViews(task.size);
      }
    }
    const slot = submissions.reserve();
    if (slot < 0) {
      if (arenaBlock >= 0) arena.free(arenaBlock);
      return false;
    }
    // From here the slot must be published whatever happens: nothing below can throw.
    const position = submissions.reservedPosition;
    const { i32, f64 } = this.#views;
    if (spill) {
      this.#encoder.write(spill, 0, args ?? [], task.detached);
      task.placement = Placement.port;
      const encoded = spill.buffer as ArrayBuffer;
      this.#parts.parcels.put(argsKey(task.gid), { encoded }, [encoded]);
    } else if (task.placement !== Placement.port) {
      const target = arenaBlock >= 0 ? arenaBlock : inlineAt(slot);
      this.#encoder.write(this.#views, target, args ?? [], task.detached);
    }
    task.detached = undefined;
    writeSubmission(i32, f64, slot, task, position, this.#parts.inboxIndex, this.#parts.generation, arenaBlock);
    task.slot = slot;
    task.position = position;
    submissions.publish(slot, position);
    return true;
  }

  #putParcel(key: string, values: unknown[]): void {
    const { values: plain, list } = unwrapTransfers(values);
    try {
      this.#parts.parcels.put(key, { values: plain }, list);
    } catch (error) {
      throw new SerializationError(`an argument cannot be sent to a worker: ${(error as Error).message}`, { cause: error });
    }
  }

  /**
   * Cancels and deadlines come from user code and timers, where a worker may be stopped: taking a
   * task back and counting its outcome happen inside a safe point, so its recovery finds either
   * both done or neither.
   */
  readonly #cancel = (task: TaskHandle<unknown>, reason: unknown): void => {
    if (task.settled || this.#pending[task.ticket] !== task) return;
    this.#safePoint.enter();
    try {
      if (!this.#withdraw(task)) {
        // A worker has it: abort its current().signal there; it settles as its code decides.
        this.#parts.onAbort?.(task.gid);
        return;
      }
      const error = new CancelledError(`task ${task.gid} was cancelled before it started`, { cause: reason, gid: task.gid });
      this.#finish(task, Counter.cancelled, false, error, false);
    } finally {
      this.#safePoint.leave();
    }
  };

  /** At the deadline: a queued task never runs; one a worker has is settled now and stopped. */
  readonly #expire = (task: TaskHandle<unknown>): void => {
    if (task.settled || this.#pending[task.ticket] !== task) return;
    this.#safePoint.enter();
    let withdrawn: boolean;
    try {
      withdrawn = this.#withdraw(task);
      if (withdrawn) this.#parts.counters.bump(Counter.unstarted);
      this.#timedOut(task);
    } finally {
      this.#safePoint.leave();
    }
    if (!withdrawn) this.#parts.onExpired?.(task.gid);
  };

  #timedOut(task: TaskHandle<unknown>): void {
    this.#finish(task, Counter.timeouts, false, new TimeoutError(`task ${task.gid} did not finish within ${task.timeoutMs} ms`, { gid: task.gid }));
  }

  /**
   * Takes a task back before any worker starts it. False when a worker has already claimed it.
   * A task withdrawn from the ring stays tracked: the worker that claims its slot skips it and
   * gives the credit back with a completion.
   */
  #withdraw(task: TaskHandle<unknown>): boolean {
    if (task.slot >= 0) {
      // Wins only while the slot still holds this task unclaimed: the claiming worker swaps the
      // token first (executor.ts), and a reused slot carries another position.
      const token = tokenWord(task.slot);
      return Atomics.compareExchange(this.#views.i32, token, task.position, task.position ^ CANCEL_BIT) === task.position;
    }
    // Out of the overflow line: its caller counts its outcome now, so it no longer waits.
    this.#untrack(task);
    this.#setWaiting(this.#waiting - 1);
    if (task.placement === Placement.port) this.#parts.parcels.drop(argsKey(task.gid));
    return true;
  }

  #settle(ticket: number, gid: number, outcome: number, value: unknown, progressed = 0, ranOn = -1, ranFrom = 0, ranTo = 0): void {
    const task = this.#pending[ticket];
    if (!task || task.gid !== gid) return;
    this.#untrack(task);
    // One settled already (timed out, cancelled) has had its progress ended: what comes is dropped.
    if (progressed > 0 && !task.settled) expectProgress(task, progressed);
    if (ranOn >= 0) task.ran = { worker: ranOn, from: ranFrom, to: ranTo };
    if (task.timer) clearDelay(task.timer);
    this.#credits.leave(); // its credit comes back, and the next waiter may take it
    if (task.settled) return; // cancelled or timed out already; this completion gave its credit back
    if (outcome === Outcome.timedOut) {
      this.#timedOut(task);
      return;
    }
    if (outcome === Outcome.ok) {
      this.#finish(task, Counter.completed, true, value);
      return;
    }
    const crashed = outcome === Outcome.crashed;
    const error = crashed ? crashError(value as WireError, gid) : fromWire(value as WireError);
    (error as Error & { gid?: number }).gid = gid;
    // A panic is reported where the worker's death is noticed (see handlers.ts), not here too.
    this.#finish(task, crashed ? Counter.panics : Counter.errors, false, error, !crashed);
  }

  /**
   * Settles a task, once, and counts its outcome: here and nowhere else, so a task that two parties
   * could end (its deadline and its worker, a crash and its deadline) lands in exactly one counter,
   * the one matching what its caller saw. Counted before the promise settles, so whoever sees the
   * task settle sees it counted.
   */
  #finish(task: TaskHandle<unknown>, counter: number, ok: boolean, outcome: unknown, report = true): void {
    if (task.settled) return;
    this.#parts.counters.bump(counter);
    task.settle(ok, outcome);
    if (this.#parts.launchHooks && hasAfterHooks()) runAfter(task.gid, ok ? { ok, value: outcome } : { ok, error: outcome as Error });
    if (!ok && report && !task.observed) this.#unobserved.suspect(task, outcome as Error);
  }

}


function crashError(wire: WireError, gid: number): WorkerCrashError {
  const cause = wire.cause && !('value' in wire.cause) ? fromWire(wire.cause as WireError) : undefined;
  const error = new WorkerCrashError(wire.message, { cause, gid });
  const exitCode = wire.fields?.exitCode;
  if (typeof exitCode === 'number') error.exitCode = exitCode;
  return error;
}

export function uncloneable(what: string, problem: UncloneableValue): SerializationError {
  const cause = problem.cause as Error;
  return new SerializationError(
    `${what} cannot be sent to another thread: ${cause?.message ?? String(cause)}. ` +
      'Tasks take what structured clone accepts (no functions, symbols or class instances with methods); pass plain data',
    { cause },
  );
}

