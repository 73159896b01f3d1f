/**
 * The loop every worker runs: claim a task from the submission ring, decode it, run it, write its
 * completion into the inbox of the thread that started it.
 *
 * A claimed task is first copied into this worker's claim table in shared memory (state
 * `claimed`), and marked `running` just before its function is called. If the worker dies, the
 * main thread reads that table: running tasks fail with WorkerCrashError, claimed ones go back
 * into the ring. So a task is never lost and never run twice.
 *
 * Async task functions overlap: a task whose function returned a pending promise keeps its claim
 * entry until it settles but blocks nothing, so a worker goes on claiming however many of its
 * tasks wait (for nested tasks, channels, timers); the table grows to hold them (claim-table.ts).
 * While any is in flight the worker parks with `Atomics.waitAsync` and yields between batches, so
 * their timers, I/O and promises keep moving. A worker with nothing in flight parks with
 * `Atomics.wait`.
 *
 * No task waits while a worker is idle. A task that has started stays on its worker, and a
 * synchronous stretch of any task there holds up the async tasks beside it, so a worker avoids
 * holding tasks another worker could run: it claims nothing more while a task it claimed is being
 * prepared (its module importing, its arguments arriving by port), since that task may turn out to
 * be synchronous and long; and while it has async tasks in flight it leaves new tasks to a worker
 * that has nothing to do (Header.IDLE_WORKERS), so a burst spreads over the pool.
 */
import {
  type Arena, ClaimState, type CodeTable, type Endpoint, type Layout, Outcome, Placement, type ParcelClient, type Ring, RunState,
  Header, type Views, argsKey, decode, Encoder, runAs, toWire, waitSync, wakeAll, writeCompletion,
  type CompletionWriter, type TaskContext, OwnClaimTable, type OwnEntry, type SafePoint, QueueFullError, WorkerWord, CancelledError, revive, readTrace, type Trace,
  hasBeforeHooks, hasAfterHooks, runBefore, runAfter, isAborted, isStopped, TimeoutError, claimInto, tokenWord, deadlineOf, placementOf,
  codeIdOf, gidOf, arenaBlockOf, inlineAt, nameIdOf, traceAt, sampledOf, batchOf, runBatch, parentGidOf, submittedMsOf, setStartedMs,
  setClaimState, claimStateOf, ticketOf, replyOf, replyGenerationOf, valuesOf, SpinBudget, timedOf, NOT_RUN, flushSpans, relayedSpanOf, reporterId, OWNER_REPORTER,
} from '@routine/core';
import { Counter, type CounterBlock, type TaskTimer, monotonicMs } from '@routine/stats';
import { BellWatch } from './bell-watch.js';
import { CodeCache, type Compiled } from './compile.js';

const nap = new Int32Array(new SharedArrayBuffer(4));

/** Claim attempts per turn before the worker looks at its own inbox and the event loop again. */
const BATCH = 256;
/**
 * Empty-ring polls before parking, adapted between these (SpinBudget): from about 20-40 µs down
 * to a tenth of that, never less, since the main thread that stalled a burst for a collection
 * submits back to back again right after it, and a parked worker costs it a wake per task.
 */
const SPIN_MIN = 500;
const SPIN_MAX = 2000;

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
  /** This worker's spill table (claim-table.ts). */
  spill: SharedArrayBuffer;
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
  readonly #table: OwnClaimTable;
  readonly #spinBudget = new SpinBudget(SPIN_MIN, SPIN_MAX);
  /** Every claim entry by index (the table's, which grows). */
  readonly #entries: OwnEntry[];
  /** Int32 index of this worker's SIGNALS word, and the value it had when we last looked. */
  readonly #signals: number;
  #signalsSeen = 0;
  /**
   * A task that was being prepared has started: a cancel may have marked its entry while it had
   * no context yet, and been passed over then, so look through the table once more.
   */
  #recheckMarks = false;
  /** Int32 index of this worker's IDLE word, and whether it is set (only this worker sets it). */
  readonly #idleWord: number;
  #flaggedIdle = false;
  /** Tasks whose function returned a promise, or whose code or arguments are still loading. */
  #inFlightAsync = 0;
  /** Of those, the ones still loading: while any is, this worker claims nothing more. */
  #preparing = 0;
  /** Context of each task running, by claim entry, so a cancel can abort its signal. */
  readonly #contexts: (TaskContext | undefined)[] = [];
  /** monotonicMs() at which each running task's function was called (metrics on, or a timed task). */
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
  readonly #workWatch: BellWatch;
  readonly #inboxWatch: BellWatch;

  constructor(parts: ExecutorParts) {
    this.#parts = parts;
    this.#i32 = parts.views.i32;
    this.#f64 = parts.views.f64;
    this.#code = new CodeCache(parts.code);
    this.#table = new OwnClaimTable(parts.layout, parts.worker, parts.views, parts.spill);
    this.#entries = this.#table.entries;
    this.#signals = parts.layout.workerBlocks[parts.worker] / 4 + WorkerWord.SIGNALS;
    this.#signalsSeen = Atomics.load(this.#i32, this.#signals);
    this.#idleWord = parts.layout.workerBlocks[parts.worker] / 4 + WorkerWord.IDLE;
    const wake = (): void => this.#kick?.();
    this.#workWatch = new BellWatch(parts.submissions.dataBell, wake);
    this.#inboxWatch = new BellWatch(parts.ownInbox.dataBell, wake);
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
      // A worker kept busy never gets to the microtask that would send the spans it holds.
      flushSpans();
      if (this.#stopped() && this.#idle() && this.#parts.submissions.isEmpty()) {
        // Counted idle, it would keep a worker with tasks in flight from claiming the nested
        // tasks those wait for (#mayClaim), with nobody left to claim them.
        if (this.#flaggedIdle) this.#unflagIdle();
        return;
      }
      if (worked) {
        if (this.#inFlightAsync > 0) await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      if (this.#idle()) this.#flagIdle();
      if (this.#spin()) continue;
      await this.#park();
    }
  }

  #pump(): boolean {
    const { endpoint, safePoint } = this.#parts;
    if (this.#inFlightAsync > 0 && this.#signalled()) this.#deliverMarks();
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

  /** Whether the main thread marked an entry since we last looked (it bumps SIGNALS after). */
  #signalled(): boolean {
    return this.#recheckMarks || Atomics.load(this.#i32, this.#signals) !== this.#signalsSeen;
  }

  /**
   * Acts on what the main thread marked in the entries of the async tasks in flight (only those
   * have a context between two turns of this loop): a cancel aborts the task's signal and lets
   * its code decide; a stop (its deadline passed) also gives up its claim at once.
   */
  #deliverMarks(): void {
    // Read before the marks, so a mark made after we read them bumps the word again.
    this.#signalsSeen = Atomics.load(this.#i32, this.#signals);
    this.#recheckMarks = false;
    for (let index = 0; index < this.#entries.length; index++) {
      const context = this.#contexts[index];
      if (context === undefined) continue;
      const { i32, entry } = this.#entries[index];
      if (isStopped(i32, entry)) this.#stop(index, context);
      else if (isAborted(i32, entry) && context.controller?.signal.aborted !== true) {
        context.controller ??= new AbortController();
        context.controller.abort(new CancelledError(`task ${context.gid} was cancelled while running`, { gid: context.gid }));
      }
    }
  }

  /**
   * An async task past its deadline: its submitter has settled it with TimeoutError already, so
   * reply `timedOut` (which only gives the credit back), free its entry, then abort its signal.
   * Whatever its promise does later is ignored (#ranAsync).
   */
  #stop(index: number, context: TaskContext): void {
    const error = new TimeoutError(`task ${context.gid} passed its deadline and was stopped`, { gid: context.gid });
    this.#inFlightAsync--;
    this.#parts.safePoint.enter();
    this.#ran(index, false, error, Outcome.timedOut);
    this.#parts.safePoint.leave();
    // Last: abort listeners are user code, and the entry they might look at is gone.
    context.controller ??= new AbortController();
    context.controller.abort(error);
  }

  /**
   * Claim entries are no condition: a full table grows, and one that cannot grow any more makes
   * the worker fail what it claims (#refuse) rather than stop, since what it would wait for may
   * be the very tasks in the ring.
   */
  #mayClaim(): boolean {
    return this.#preparing === 0 && (this.#inFlightAsync === 0 || Atomics.load(this.#i32, Header.IDLE_WORKERS) === 0);
  }

  /**
   * Counts this worker idle until it next claims a task. Set before it spins, so a worker with
   * async tasks in flight leaves the next task to this one rather than race it.
   */
  #flagIdle(): void {
    if (this.#flaggedIdle) return;
    this.#flaggedIdle = true;
    Atomics.store(this.#i32, this.#idleWord, 1);
    Atomics.add(this.#i32, Header.IDLE_WORKERS, 1);
  }

  /**
   * Called once this worker has claimed a task. Workers that left tasks to it may not be
   * listening to the ring (they did not mean to claim): ring them if tasks are left there.
   */
  #unflagIdle(): void {
    this.#flaggedIdle = false;
    Atomics.store(this.#i32, this.#idleWord, 0);
    Atomics.sub(this.#i32, Header.IDLE_WORKERS, 1);
    if (!this.#parts.submissions.isEmpty()) wakeAll(this.#parts.submissions.dataBell);
  }

  #claimOne(): boolean {
    const { submissions } = this.#parts;
    const ring = this.#i32;
    const slot = submissions.claim();
    if (slot < 0) return false;
    const position = submissions.claimedPosition;
    if (this.#flaggedIdle) this.#unflagIdle();
    const index = this.#table.take();
    if (index < 0) {
      this.#refuse(slot, position);
      return true;
    }
    const { i32, entry } = this.#entries[index];
    claimInto(i32, entry, ring, slot);
    // Swap the cancellation token only now: a cancel that fails from here on finds the task in
    // this claim table (and aborts it there); one that got in before us shows up in `token`.
    const token = Atomics.exchange(ring, tokenWord(slot), ~position);
    submissions.release(slot, position);
    if (token !== position) this.#drop(index, Outcome.cancelled);
    else if (this.#expired(index)) this.#dropExpired(index);
    else this.#start(index);
    return true;
  }

  /**
   * The claim table is as big as it may grow, every entry a task that has not settled: fail the
   * task just claimed (its submitter gets the error), so the tasks this worker holds, which may
   * be waiting on it, see an error instead of waiting forever.
   */
  #refuse(slot: number, position: number): void {
    const { submissions, layout, worker } = this.#parts;
    const ring = this.#i32;
    const gid = gidOf(this.#f64, slot);
    const token = Atomics.exchange(ring, tokenWord(slot), ~position);
    const completion = { gid, ticket: ticketOf(ring, slot), reply: replyOf(ring, slot), generation: replyGenerationOf(ring, slot), ...NOT_RUN };
    const placement = placementOf(ring, slot);
    const block = arenaBlockOf(ring, slot);
    submissions.release(slot, position);
    if (placement === Placement.arena) this.#parts.arena.free(block);
    else if (placement === Placement.port) this.#parts.parcels.drop(argsKey(gid));
    if (token !== position) {
      writeCompletion(this.#writer, { ...completion, outcome: Outcome.cancelled, value: undefined });
      return;
    }
    const held = layout.claimSlots + layout.spillSlots;
    const error = new QueueFullError(
      `task ${gid} was not run: worker ${worker} already holds ${held} tasks that have not settled (maxTasksPerWorker), ` +
        'most of them waiting on other tasks. Bound how many tasks wait at once (a pool or a group with a limit), or raise maxTasksPerWorker',
      { gid },
    );
    // Its submitter counts the error when it settles it (endpoint.ts); it never started here.
    this.#parts.counters.bump(Counter.unstarted);
    writeCompletion(this.#writer, { ...completion, outcome: Outcome.error, value: toWire(error) });
  }

  /** A task whose deadline passed before it could start never starts. */
  #expired(index: number): boolean {
    const { f64, entry } = this.#entries[index];
    const deadline = deadlineOf(f64, entry);
    return deadline !== 0 && Date.now() >= deadline;
  }

  #start(index: number): void {
    const { i32, entry } = this.#entries[index];
    const placement = placementOf(i32, entry);
    let compiled: Compiled | Promise<Compiled>;
    try {
      compiled = this.#code.get(codeIdOf(i32, entry));
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
    this.#invoke(index, compiled, this.#readArgs(index));
  }

  /** Waits for a module to load or for arguments that came by port, then runs the task. */
  async #prepare(index: number, compiled: Compiled | Promise<Compiled>, placement: number): Promise<void> {
    const { f64, entry } = this.#entries[index];
    let ready: Compiled;
    let args: unknown[];
    try {
      ready = await compiled;
      // Arguments that had to come by port are the ones that may hold shared primitives.
      if (placement === Placement.port) args = revive(valuesOf(await this.#parts.parcels.lend(argsKey(gidOf(f64, entry)))));
    } catch (error) {
      this.#parts.safePoint.enter();
      this.#failPreparation(index, error);
      this.#parts.safePoint.leave();
      return;
    }
    this.#parts.safePoint.enter();
    try {
      if (placement !== Placement.port) args = this.#readArgs(index);
    } catch (error) {
      this.#failPreparation(index, error);
      this.#parts.safePoint.leave();
      return;
    }
    this.#inFlightAsync--;
    this.#preparing--;
    if (this.#expired(index)) this.#dropExpired(index);
    else this.#invoke(index, ready, args!);
    this.#recheckMarks = true;
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
  #readArgs(index: number): unknown[] {
    const { i32, entry, views } = this.#entries[index];
    // Inline arguments are in the entry, which may be in the spill table; an arena block is not.
    if (placementOf(i32, entry) === Placement.arena) return decode(this.#parts.views, arenaBlockOf(i32, entry));
    return decode(views, inlineAt(entry));
  }

  #invoke(index: number, compiled: Compiled, args: unknown[]): void {
    const { i32, f64, entry } = this.#entries[index];
    const nameId = nameIdOf(i32, entry);
    const trace = readTrace(i32, traceAt(entry), sampledOf(i32, entry), this.#lastTrace);
    this.#lastTrace = trace;
    const context: TaskContext = {
      gid: gidOf(f64, entry),
      parentGid: parentGidOf(f64, entry),
      trace,
      name: nameId < 0 ? undefined : this.#code.name(nameId),
      spanReporter: this.#spanReporter(i32, entry),
      ticket: ticketOf(i32, entry),
      reply: replyOf(i32, entry),
      progressSent: 0,
    };
    const timer = this.#parts.timer;
    if (timer || timedOf(i32, entry)) {
      const now = this.#handoffMs || monotonicMs();
      timer?.started(now, submittedMsOf(f64, entry));
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
      const call = batchOf(i32, entry)
        ? () => runBatch(compiled.fn as (item: unknown, index: number) => unknown, args[0] as ArrayLike<unknown>, args[1] as number)
        : () => compiled.fn(...args);
      result = runAs(context, compiled.isAsync, call);
    } catch (error) {
      this.#parts.safePoint.resume(depth);
      this.#handoffMs = this.#ran(index, false, error);
      return;
    }
    this.#parts.safePoint.resume(depth);
    if (result !== null && typeof (result as PromiseLike<unknown>)?.then === 'function') {
      this.#inFlightAsync++;
      (result as PromiseLike<unknown>).then(
        (value) => this.#ranAsync(index, context, true, value),
        (error: unknown) => this.#ranAsync(index, context, false, error),
      );
    } else {
      this.#handoffMs = this.#ran(index, true, result);
    }
  }

  /** Who reports the span of the task in `entry`: the worker that started it, or the runtime's own thread. */
  #spanReporter(i32: Int32Array, entry: number): number {
    if (!relayedSpanOf(i32, entry)) return -1;
    const reply = replyOf(i32, entry);
    return reply === 0 ? OWNER_REPORTER : reporterId(reply - 1, replyGenerationOf(i32, entry));
  }

  #ranAsync(index: number, context: TaskContext, ok: boolean, value: unknown): void {
    // A task stopped at its deadline has given up its entry, which may hold another task now.
    if (this.#contexts[index] !== context) return;
    this.#inFlightAsync--;
    this.#parts.safePoint.enter();
    this.#ran(index, ok, value);
    this.#parts.safePoint.leave();
    this.#kick?.();
  }

  /**
   * A task's function returned, threw, or its promise settled: time it, run the hooks, reply.
   * Returns the time it ended (0 with metrics off and the task not timed).
   */
  #ran(index: number, ok: boolean, value: unknown, outcome: number = ok ? Outcome.ok : Outcome.error): number {
    const timer = this.#parts.timer;
    const { i32, entry } = this.#entries[index];
    const timed = timedOf(i32, entry);
    const now = timer || timed ? monotonicMs() : 0;
    if (timer) timer.ended(now, this.#startedAt[index]);
    if (hasAfterHooks()) {
      const context = this.#contexts[index]!;
      const depth = this.#parts.safePoint.suspend();
      runAs(context, false, () => runAfter(context.gid, ok ? { ok, value } : { ok, error: value as Error }));
      this.#parts.safePoint.resume(depth);
    }
    const result = outcome === Outcome.ok ? value : outcome === Outcome.error ? toWire(value) : undefined;
    this.#complete(index, outcome, result, timed ? this.#parts.worker : -1, this.#startedAt[index], now);
    return now;
  }

  /** Replies for the task in entry `index`; `ranOn` is -1 unless it ran and its submitter asked when (slot.ts). */
  #complete(index: number, outcome: number, value: unknown, ranOn = -1, ranFrom = 0, ranTo = 0): void {
    const { i32, f64, entry } = this.#entries[index];
    // Its outcome is counted by the thread that settles it (endpoint.ts); this worker counts
    // only that it no longer runs it, before the completion is published.
    if (claimStateOf(i32, entry) === ClaimState.running) this.#parts.counters.bump(Counter.ended);
    // This worker's last task, and none waiting: idle from now on, before the reply can make its
    // submitter start another one (which a busier worker would otherwise take). Never in a burst.
    if (this.#table.used === 1 && this.#inFlightAsync === 0 && this.#parts.endpoint.pendingCount === 0 && this.#parts.submissions.isEmpty()) {
      this.#flagIdle();
    }
    writeCompletion(this.#writer, {
      gid: gidOf(f64, entry),
      ticket: ticketOf(i32, entry),
      reply: replyOf(i32, entry),
      generation: replyGenerationOf(i32, entry),
      outcome,
      value,
      progressed: this.#contexts[index]?.progressSent ?? 0,
      ranOn,
      ranFrom,
      ranTo,
    });
    this.#contexts[index] = undefined;
    setClaimState(i32, entry, ClaimState.free);
    this.#table.give(index);
  }

  /**
   * A task cancelled or timed out before it started, or that could not be prepared: free what it
   * held, and tell its submitter (which gets its credit back, and settles it if it has not already).
   */
  #drop(index: number, outcome: number, value: unknown = undefined): void {
    const { i32, f64, entry } = this.#entries[index];
    const placement = placementOf(i32, entry);
    const gid = gidOf(f64, entry);
    const arenaBlock = arenaBlockOf(i32, entry);
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
    return this.#spinBudget.spin(() => (canClaim && !submissions.isEmpty()) || (awaitsResults && !ownInbox.isEmpty()));
  }

  async #park(): Promise<void> {
    const { submissions, ownInbox, endpoint } = this.#parts;
    const workBell = submissions.dataBell;
    if (this.#idle()) {
      // Parked, it runs no callbacks (no collector's either): with no task left here to observe
      // them, the failures nobody observed are reported now, and the spans held are sent.
      endpoint.reportUnobserved();
      flushSpans();
      const parkedAt = performance.now();
      waitSync(workBell, () => !submissions.isEmpty() || this.#stopped());
      this.#spinBudget.parked(performance.now() - parkedAt);
      return;
    }
    const kicked = new Promise<void>((resolve) => (this.#kick = resolve));
    // Listening to the ring even when leaving its tasks to an idle worker: that worker rings it
    // once it is idle no more (#unflagIdle).
    if (this.#preparing === 0) this.#workWatch.arm();
    // The inbox doorbell also carries cancels and stops of running tasks (see Runtime.#abort).
    if (endpoint.pendingCount > 0 || this.#inFlightAsync > 0) this.#inboxWatch.arm();
    // Re-check after arming: anything published before we armed is seen here, anything after
    // rings a bell we are now waiting on. The stop state is no reason to look again: a worker
    // that holds tasks stays until they settle, and returning at once would spin this loop on
    // microtasks, starving the event loop that must deliver what those tasks wait for (the
    // arguments of a task being prepared, a timer).
    const ready =
      (this.#mayClaim() && !submissions.isEmpty()) ||
      (endpoint.pendingCount > 0 && !ownInbox.isEmpty()) ||
      (this.#inFlightAsync > 0 && this.#signalled());
    if (!ready) await kicked;
    this.#workWatch.disarm();
    this.#inboxWatch.disarm();
    this.#kick = undefined;
  }

  #idle(): boolean {
    return this.#inFlightAsync === 0 && this.#table.used === 0 && this.#parts.endpoint.pendingCount === 0;
  }

  #stopped(): boolean {
    return Atomics.load(this.#i32, Header.STATE) === RunState.stopped;
  }
}
