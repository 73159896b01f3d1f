/**
 * Go's sync.Mutex across threads: a semaphore of one permit (semaphore.ts). `lock()` resolves
 * to a disposer, so `using _ = await m.lock()` (or `await using`) unlocks at the end of the
 * block; `lockSync()` blocks a task's thread. As in Go a mutex is not tied to the thread that
 * locked it: any thread may unlock it; unlocking an unlocked mutex throws.
 */
import { Semaphore, semaphoreMemory } from './semaphore.js';

export const MUTEX_BRAND = 'Mutex';

export class Mutex extends Semaphore {
  override readonly '@routine/type': string = MUTEX_BRAND;

  /** Locks, waiting without blocking the thread; the disposer unlocks. */
  async lock(): Promise<Disposable> {
    await this.acquire();
    return this.#disposer();
  }

  /** Locks, blocking this thread: for synchronous code in a task. */
  lockSync(): Disposable {
    this.acquireSync();
    return this.#disposer();
  }

  tryLock(): boolean {
    return this.tryAcquire();
  }

  unlock(): void {
    this.release();
  }

  get locked(): boolean {
    return this.available === 0;
  }

  protected override describe(op: string): string {
    return `${op === 'acquire' ? 'lock' : op} on a mutex`;
  }

  protected override overReleased(): string {
    return 'unlock of an unlocked mutex';
  }

  #disposer(): Disposable {
    let done = false;
    return {
      [Symbol.dispose]: () => {
        if (done) return;
        done = true;
        this.unlock();
      },
    };
  }
}

/** A new, unlocked mutex, shared by every thread it is passed to. */
export function mutex(): Mutex {
  return new Mutex(semaphoreMemory(1));
}
