/** The settled outcome of a task, as `result()` and `goWithRecover` give it: never a rejection. */
export type Result<R> = { ok: true; value: R } | { ok: false; error: Error };
