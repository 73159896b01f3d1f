/**
 * The loop every worker runs: claim a task from the submission ring, decode it, run it, write its
 * completion into the inbox of the thread that started it.
 *
 * A claimed task is first copied into this worker's claim table in shared memory (state
 * `claimed`), and marked `running` just before its function is called. If the worker dies, the
 * main thread reads that table: running tasks fail with WorkerCrashError, claimed ones go back
 * into the ring. So a task is never lost and never run twice.
 *
 * Async task functions overlap: up to `layout.claimSlots` tasks may be in flight on one worker, and while
 * any is, the worker parks with `Atomics.waitAsync` and yields between batches, so their timers,
 * I/O and promises keep moving. A worker with nothing in flight parks with `Atomics.wait`.
 *
 * A worker claims nothing more while a task it claimed is being prepared (its module importing,
 * its arguments arriving by port): that task may turn out to be synchronous and long, and
 * anything claimed behind it would wait for it while other workers sit idle.
 */
import {
  type Arena, ClaimState, type CodeTable, type Endpoint, type Layout, Outcome, Placement, type ParcelClient, type Ring, RunState,
  Header, type Views, argsKey, armAsync, decode, Encoder, runAs, toWire, waitSync, writeCompletion,
  type CompletionWriter, type TaskContext, claimEntry, type SafePoint, CancelledError, revive, readTrace, type Trace,
  hasBeforeHooks, hasAfterHooks, runBefore, runAfter, isAborted, claimInto, tokenWord, deadlineOf, placementOf,
  codeIdOf, gidOf, arenaBlockOf, payloadAt, nameIdOf, traceAt, sampledOf, parentGidOf, submittedMsOf, setStartedMs,
  setClaimState, claimStateOf, ticketOf, replyOf, replyGenerationOf, valuesOf,
} from '@routine/core';
import { Counter, type CounterBlock, type TaskTimer, monotonicMs } from '@routine/stats';
import { CodeCache, type Compiled } from './compile.js';

const nap = new Int32Array(new SharedArrayBuffer(4));

/** Claim attempts per turn before the worker looks at its own inbox and the event loop again. */
const BATCH = 256;
/** Empty-ring polls before parking: about 20-40 µs, long enough to catch a back-to-back submit. */
const SPIN_ROUNDS = 2000;

export interface ExecutorParts {
  views: Views;
  submissions: Ring;
  inboxes: readonly Ring[];
  ownInbox: Ring;
  arena: Arena;
  code: CodeTable;
  counters: CounterBlock;
  endpoint: Endpoint;
  parcels: ParcelClient;
  /** This worker's index in the pool: its claim table is the one it writes. */
  worker: number;
  layout: Layout;
  /** Shared with the endpoint: marks where this worker must not be terminated. */
  safePoint: SafePoint;
  /** Records wait, run and busy time in this worker's stats block; absent with metrics off. */
  timer: TaskTimer | undefined;
}

export class Executor {
  readonly #parts: ExecutorParts;
  readonly #i32: Int32Array;
  readonly #f64: Float64Array;
  readonly #code: CodeCache;
  readonly #writer: CompletionWriter;
  /** Int32 index of each claim table entry. */
  readonly #entries: number[] = [];
  readonly #freeEntries: number[] = [];
  /** Tasks whose function returned a promise, or whose code or arguments are still loading. */
  #inFlightAsync = 0;
  /** Of those, the ones still loading: while any is, this worker claims nothing more. */
  #preparing = 0;
  /** Context of each task running, by claim entry, so a cancel can abort its signal. */
  readonly #contexts: (TaskContext | undefined)[] = [];
  /** monotonicMs() at which each running task's function was called (metrics on). */
  readonly #startedAt: number[] = [];
  /** The trace of the last task started: a burst of one trace shares one object. */
  #lastTrace: Trace | undefined;
  /**
   * The time a synchronous task ended, while this worker goes straight on to claim the next one
   * (0 otherwise): that task starts at the same instant, which saves a clock read (about 90 ns)
   * per task in a burst. A task's run time thus covers its whole stay on the worker: decoding its
   * arguments and writing its result as well as the call.
   */
  #handoffMs = 0;
  #kick: (() => void) | undefined;

  constructor(parts: ExecutorParts) {
    this.#parts = parts;
    this.#i32 = parts.views.i32;
    this.#f64 = parts.views.f64;
    this.#code = new CodeCache(parts.code);
    for (let j = parts.layout.claimSlots - 1; j >= 0; j--) {
      this.#entries[j] = claimEntry(parts.layout, parts.worker, j);
      this.#freeEntries.push(j);
    }
    this.#writer = {
      views: parts.views,
      inboxes: parts.inboxes,
      arena: parts.arena,
      encoder: new Encoder(),
      parcels: parts.parcels,
      waitForRoom: () => {
        // Only after a crash can an inbox be over-full; drain our own meanwhile so two workers
        // waiting on each other's inboxes still make progress.
        parts.endpoint.drain();
        Atomics.wait(nap, 0, 0, 1);
      },
    };
  }

  async run(): Promise<void> {
    for (;;) {
      const worked = this.#pump();
      if (this.#stopped() && this.#idle()) return;
      if (worked) {
        if (this.#inFlightAsync > 0) await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      if (this.#spin()) continue;
      await this.#park();
    }
  }

  #pump(): boolean {
    const { endpoint, safePoint } = this.#parts;
    if (this.#inFlightAsync > 0) this.#deliverAborts();
    let worked = endpoint.pendingCount > 0 && endpoint.drain() > 0;
    if (endpoint.overflowCount > 0) endpoint.flushOverflow();
    safePoint.enter();
    this.#handoffMs = 0; // a task that ended outside this loop is no hand-off
    try {
      for (let n = 0; n < BATCH && this.#mayClaim(); n++) {
        if (!this.#claimOne()) break;
        worked = true;
      }
    } finally {
      safePoint.leave();
      this.#handoffMs = 0;
    }
    return worked;
  }

  /** Aborts the signal of every async task in flight whose claim entry the main thread marked. */
  #deliverAborts(): void {
    for (let index = 0; index < this.#entries.length; index++) {
      if (!this.#abortPending(index)) continue;
      const context = this.#contexts[index]!;
      context.controller ??= new AbortController();
      context.controller.abort(new CancelledError(`task ${context.gid} was cancelled while running`, { gid: context.gid }));
    }
  }

  #abortPending(index: number): boolean {
    const context = this.#contexts[index];
    return (
      context !== undefined &&
      isAborted(this.#i32, this.#entries[index]) &&
      context.controller?.signal.aborted !== true
    );
  }

  #mayClaim(): boolean {
    return this.#preparing === 0 && this.#freeEntries.length > 0;
  }

  #claimOne(): boolean {
    const { submissions } = this.#parts;
    const i32 = this.#i32;
    const slot = submissions.claim();
    if (slot < 0) return false;
    const position = submissions.claimedPosition;
    const index = this.#freeEntries.pop()!;
    const entry = this.#entries[index];
    claimInto(i32, entry, slot);
    // Swap the cancellation token only now: a cancel that fails from here on finds the task in
    // this claim table (and aborts it there); one that got in before us shows up in `token`.
    const token = Atomics.exchange(i32, tokenWord(slot), ~position);
    submissions.release(slot, position);
    if (token !== position) this.#drop(index, Outcome.cancelled);
    else if (this.#expired(entry)) this.#dropExpired(index);
    else this.#start(index);
    return true;
  }

  /** A task whose deadline passed before it could start never starts. */
  #expired(entry: number): boolean {
    const deadline = deadlineOf(this.#f64, entry);
    return deadline !== 0 && Date.now() >= deadline;
  }

  #start(index: number): void {
    const entry = this.#entries[index];
    const placement = placementOf(this.#i32, entry);
    let compiled: Compiled | Promise<Compiled>;
    try {
      compiled = this.#code.get(codeIdOf(this.#i32, entry));
    } catch (error) {
      this.#parts.counters.bump(Counter.unstarted);
      this.#drop(index, Outcome.error, toWire(error));
      return;
    }
    if (compiled instanceof Promise || placement === Placement.port) {
      this.#inFlightAsync++;
      this.#preparing++;
      void this.#prepare(index, compiled, placement);
      return;
    }
    this.#invoke(index, compiled, this.#readArgs(entry));
  }

  /** Waits for a module to load or for arguments that came by port, then runs the task. */
  async #prepare(index: number, compiled: Compiled | Promise<Compiled>, placement: number): Promise<void> {
    const entry = this.#entries[index];
    let ready: Compiled;
    let args: unknown[];
    try {
      ready = await compiled;
      // Arguments that had to come by port are the ones that may hold shared primitives.
      if (placement === Placement.port) args = revive(valuesOf(await this.#parts.parcels.lend(argsKey(gidOf(this.#f64, entry)))));
    } catch (error) {
      this.#parts.safePoint.enter();
      this.#failPreparation(index, error);
      this.#parts.safePoint.leave();
      return;
    }
    this.#parts.safePoint.enter();
    try {
      if (placement !== Placement.port) args = this.#readArgs(entry);
    } catch (error) {
      this.#failPreparation(index, error);
      this.#parts.safePoint.leave();
      return;
    }
    this.#inFlightAsync--;
    this.#preparing--;
    if (this.#expired(entry)) this.#dropExpired(index);
    else this.#invoke(index, ready, args!);
    this.#parts.safePoint.leave();
    this.#kick?.();
  }

  /** A task whose module or arguments could not be loaded fails with that error. */
  #failPreparation(index: number, error: unknown): void {
    this.#inFlightAsync--;
    this.#preparing--;
    this.#parts.counters.bump(Counter.unstarted);
    this.#drop(index, Outcome.error, toWire(error));
    this.#kick?.();
  }

  /** Decodes inline or arena arguments; the arena block is freed once the task is marked running. */
  #readArgs(entry: number): unknown[] {
    return decode(this.#parts.views, payloadAt(this.#i32, entry));
  }

  #invoke(index: number, compiled: Compiled, args: unknown[]): void {
    const i32 = this.#i32;
    const entry = this.#entries[index];
    const f64 = this.#f64;
    const nameId = nameIdOf(i32, entry);
    const trace = readTrace(i32, traceAt(entry), sampledOf(i32, entry), this.#lastTrace);
    this.#lastTrace = trace;
    const context: TaskContext = {
      gid: gidOf(f64, entry),
      parentGid: parentGidOf(f64, entry),
      trace,
      name: nameId < 0 ? undefined : this.#code.name(nameId),
    };
    const timer = this.#parts.timer;
    if (timer) {
      const now = this.#handoffMs || monotonicMs();
      timer.started(now, submittedMsOf(f64, entry));
      this.#startedAt[index] = now;
    }
    setStartedMs(f64, entry, Date.now()); // for dump(): the arguments are decoded already
    setClaimState(i32, entry, ClaimState.running);
    // Freed only now: had we died before `running`, the main thread would put the task back in
    // the ring, arguments and all.
    const placement = placementOf(i32, entry);
    if (placement === Placement.arena) this.#parts.arena.free(arenaBlockOf(i32, entry));
    else if (placement === Placement.port) this.#parts.parcels.drop(argsKey(context.gid));
    this.#parts.counters.bump(Counter.started);
    this.#contexts[index] = context;
    let result: unknown;
    // User code runs with the worker terminable (a timeout may stop it there), never mid-write.
    const depth = this.#parts.safePoint.suspend();
    try {
      if (hasBeforeHooks()) runAs(context, false, () => runBefore(context.parentGid, context.gid));
      result = runAs(context, compiled.isAsync, () => compiled.fn(...args));
    } catch (error) {
      this.#parts.safePoint.resume(depth);
      this.#handoffMs = this.#ran(index, false, error);
      return;
    }
    this.#parts.safePoint.resume(depth);
    if (result !== null && typeof (result as PromiseLike<unknown>)?.then === 'function') {
      this.#inFlightAsync++;
      (result as PromiseLike<unknown>).then(
        (value) => this.#ranAsync(index, true, value),
        (error: unknown) => this.#ranAsync(index, false, error),
      );
    } else {
      this.#handoffMs = this.#ran(index, true, result);
    }
  }

  #ranAsync(index: number, ok: boolean, value: unknown): void {
    this.#inFlightAsync--;
    this.#parts.safePoint.enter();
    this.#ran(index, ok, value);
    this.#parts.safePoint.leave();
    this.#kick?.();
  }

  /**
   * A task's function returned, threw, or its promise settled: time it, run the hooks, reply.
   * Returns the time it ended (0 with metrics off).
   */
  #ran(index: number, ok: boolean, value: unknown): number {
    const timer = this.#parts.timer;
    const now = timer ? monotonicMs() : 0;
    if (timer) timer.ended(now, this.#startedAt[index]);
    if (hasAfterHooks()) {
      const context = this.#contexts[index]!;
      const depth = this.#parts.safePoint.suspend();
      runAs(context, false, () => runAfter(context.gid, ok ? { ok, value } : { ok, error: value as Error }));
      this.#parts.safePoint.resume(depth);
    }
    this.#complete(index, ok ? Outcome.ok : Outcome.error, ok ? value : toWire(value));
    return now;
  }

  #complete(index: number, outcome: number, value: unknown): void {
    const i32 = this.#i32;
    const entry = this.#entries[index];
    // Its outcome is counted by the thread that settles it (endpoint.ts); this worker counts
    // only that it no longer runs it, before the completion is published.
    if (claimStateOf(i32, entry) === ClaimState.running) this.#parts.counters.bump(Counter.ended);
    writeCompletion(this.#writer, {
      gid: gidOf(this.#f64, entry),
      ticket: ticketOf(i32, entry),
      reply: replyOf(i32, entry),
      generation: replyGenerationOf(i32, entry),
      outcome,
      value,
    });
    this.#contexts[index] = undefined;
    setClaimState(i32, entry, ClaimState.free);
    this.#freeEntries.push(index);
  }

  /**
   * A task cancelled or timed out before it started, or that could not be prepared: free what it
   * held, and tell its submitter (which gets its credit back, and settles it if it has not already).
   */
  #drop(index: number, outcome: number, value: unknown = undefined): void {
    const entry = this.#entries[index];
    const placement = placementOf(this.#i32, entry);
    const gid = gidOf(this.#f64, entry);
    const arenaBlock = arenaBlockOf(this.#i32, entry);
    this.#complete(index, outcome, value);
    // Only once its entry is free: had we died before, the task would go back in the ring, and
    // its next taker would find its arguments gone.
    if (placement === Placement.arena) this.#parts.arena.free(arenaBlock);
    else if (placement === Placement.port) this.#parts.parcels.drop(argsKey(gid));
  }

  /** Its submitter counts the timeout; this worker knows it never started. */
  #dropExpired(index: number): void {
    this.#parts.counters.bump(Counter.unstarted);
    this.#drop(index, Outcome.timedOut);
  }

  #spin(): boolean {
    const { submissions, ownInbox, endpoint } = this.#parts;
    const canClaim = this.#mayClaim();
    const awaitsResults = endpoint.pendingCount > 0;
    for (let i = 0; i < SPIN_ROUNDS; i++) {
      if (canClaim && !submissions.isEmpty()) return true;
      if (awaitsResults && !ownInbox.isEmpty()) return true;
    }
    return false;
  }

  async #park(): Promise<void> {
    const { submissions, ownInbox, endpoint } = this.#parts;
    const workBell = submissions.dataBell;
    if (this.#idle()) {
      waitSync(workBell, () => !submissions.isEmpty() || this.#stopped());
      return;
    }
    const waits = [];
    if (this.#mayClaim()) waits.push(armAsync(workBell));
    // The inbox doorbell also carries cancels of running tasks (see Runtime.#abort).
    if (endpoint.pendingCount > 0 || this.#inFlightAsync > 0) waits.push(armAsync(ownInbox.dataBell));
    const kicked = new Promise<void>((resolve) => (this.#kick = resolve));
    // Re-check after arming: anything published before we armed is seen here, anything after
    // rings a bell we are now waiting on.
    const ready =
      (this.#mayClaim() && !submissions.isEmpty()) ||
      (endpoint.pendingCount > 0 && !ownInbox.isEmpty()) ||
      this.#contexts.some((_, index) => this.#abortPending(index)) ||
      this.#stopped();
    if (!ready) await Promise.race([kicked, ...waits.map((wait) => wait.promise)]);
    for (const wait of waits) wait.disarm();
    this.#kick = undefined;
  }

  #idle(): boolean {
    return this.#inFlightAsync === 0 && this.#freeEntries.length === this.#entries.length && this.#parts.endpoint.pendingCount === 0;
  }

  #stopped(): boolean {
    return Atomics.load(this.#i32, Header.STATE) === RunState.stopped;
  }
}
