/**
 * The registry of task code, in shared memory, so a worker that claims a task it has never seen
 * can find its code without asking anyone.
 *
 * An entry is written once: the text goes into space taken with `Atomics.add` on TEXT_TOP, the
 * entry's fields are stored, and READY is stored last. The id is only ever put in a slot after
 * that, and a slot is published with a seq-cst store that the consumer's load synchronises with,
 * so a worker that reads an id from a slot always sees a complete entry.
 *
 * Ids are per runtime, not global: two threads may register the same source under two ids, which
 * is harmless (each worker compiles each id once).
 *
 * Space is taken only when it fits (a compare-and-swap on the top, never an add that overshoots),
 * so a registration that fails takes nothing and every later one that fits still succeeds.
 */
import { CodeTableFullError } from '../task/errors.js';
import { CodeEntry, CodeHeader, CODE_ENTRY_BYTES, LINE_BYTES } from './layout.js';
import type { Views } from './views.js';

/** Task names (go.with({ name })) are interned here too, as text. */
export const CodeKind = { inline: 1, module: 2, name: 3 } as const;
export type CodeKind = (typeof CodeKind)[keyof typeof CodeKind];

export class CodeTable {
  readonly #views: Views;
  readonly #header: number; // int32 index
  readonly #entries: number; // byte offset
  readonly #text: number; // byte offset
  readonly #maxEntries: number;
  readonly #textBytes: number;
  readonly #encoder = new TextEncoder();

  constructor(views: Views, byteOffset: number, maxEntries: number, textBytes: number) {
    this.#views = views;
    this.#header = byteOffset / 4;
    this.#entries = byteOffset + LINE_BYTES;
    this.#text = this.#entries + maxEntries * CODE_ENTRY_BYTES;
    this.#maxEntries = maxEntries;
    this.#textBytes = textBytes;
  }

  register(kind: CodeKind, text: string): number {
    const { i32 } = this.#views;
    const bytes = this.#encoder.encode(text);
    const textTop = this.#header + CodeHeader.TEXT_TOP;
    const at = this.#take(textTop, bytes.byteLength, this.#textBytes);
    if (at < 0) {
      throw new CodeTableFullError(
        `routine: a task function's source is ${bytes.byteLength} bytes and the code table has ${this.#textBytes - Atomics.load(i32, textTop)} ` +
          `of its ${this.#textBytes} bytes left; move large task bodies into a module and use tasks(url)`,
      );
    }
    const id = this.#take(this.#header + CodeHeader.COUNT, 1, this.#maxEntries);
    if (id < 0) {
      // Give the text back, unless another registration has taken space above it since.
      Atomics.compareExchange(i32, textTop, at + bytes.byteLength, at);
      throw new CodeTableFullError(
        `routine: more than ${this.#maxEntries} distinct task functions were registered; ` +
          'define task functions once (at module level) instead of building new source text per call',
      );
    }
    this.#views.u8.set(bytes, this.#text + at);
    const entry = (this.#entries + id * CODE_ENTRY_BYTES) / 4;
    i32[entry + CodeEntry.KIND] = kind;
    i32[entry + CodeEntry.TEXT_OFFSET] = at;
    i32[entry + CodeEntry.TEXT_LENGTH] = bytes.byteLength;
    // Last: a reader that sees READY sees the fields and the text (the store is seq-cst).
    Atomics.store(i32, entry + CodeEntry.READY, 1);
    return id;
  }

  /** Takes `amount` from the counter at `word` if the result stays within `limit`: its old value, or -1. */
  #take(word: number, amount: number, limit: number): number {
    const { i32 } = this.#views;
    for (;;) {
      const top = Atomics.load(i32, word);
      if (top + amount > limit) return -1;
      // Another thread may take space between the load and here; then look again.
      if (Atomics.compareExchange(i32, word, top, top + amount) === top) return top;
    }
  }

  read(id: number): { kind: CodeKind; text: string } {
    const { i32 } = this.#views;
    const entry = (this.#entries + id * CODE_ENTRY_BYTES) / 4;
    if (Atomics.load(i32, entry + CodeEntry.READY) !== 1) throw new Error(`routine: task code ${id} is not registered`);
    const offset = this.#text + i32[entry + CodeEntry.TEXT_OFFSET];
    const length = i32[entry + CodeEntry.TEXT_LENGTH];
    return {
      kind: i32[entry + CodeEntry.KIND] as CodeKind,
      text: Buffer.from(this.#views.buffer, offset, length).toString('utf8'),
    };
  }
}
