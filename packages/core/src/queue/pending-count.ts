/** A count of things started and not yet settled, and the moments it comes back to zero. */
export class PendingCount {
  #count = 0;
  #idle: (() => void)[] = [];

  get count(): number {
    return this.#count;
  }

  add(): void {
    this.#count++;
  }

  /** One has settled; at zero, everyone waiting in `idle()` resumes. */
  done(): void {
    if (--this.#count > 0) return;
    const idle = this.#idle;
    this.#idle = [];
    for (const resume of idle) resume();
  }

  /**
   * Resolves once the count is zero. More may be added meanwhile and bring it back up: a caller
   * that must see zero for good loops (`while (p.count > 0) await p.idle()`).
   */
  idle(): Promise<void> {
    return this.#count === 0 ? Promise.resolve() : new Promise((resume) => this.#idle.push(resume));
  }
}
