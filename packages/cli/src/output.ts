/**
 * Where result lines go: stdout or a file, written in chunks of about 64 KiB, waiting for the
 * stream to drain when it asks (so a slow reader slows the run instead of filling memory).
 */
import { once } from 'node:events';
import { open } from 'node:fs/promises';

const CHUNK = 64 * 1024;

export class Output {
  readonly #stream: NodeJS.WritableStream;
  readonly #ownsStream: boolean;
  #buffered = '';
  /** Set when the stream failed (a closed pipe, a full disk): the run stops. */
  error: Error | undefined;
  written = 0;

  /** Stdout, or the file, opened (and emptied) now so a path that cannot be written fails first. */
  static async open(path: string | undefined): Promise<Output> {
    if (path === undefined) return new Output(process.stdout, false);
    const file = await open(path, 'w').catch((error: NodeJS.ErrnoException) => {
      throw new Error(`cannot write --out ${path}: ${reason(error)}`);
    });
    return new Output(file.createWriteStream(), true);
  }

  private constructor(stream: NodeJS.WritableStream, ownsStream: boolean) {
    this.#stream = stream;
    this.#ownsStream = ownsStream;
    this.#stream.on('error', (error: Error) => (this.error ??= error));
  }

  /** Queues one line; returns a promise only when the caller should wait for the stream. */
  add(line: string): Promise<void> | undefined {
    this.#buffered += `${line}\n`;
    this.written++;
    return this.#buffered.length >= CHUNK ? this.flush() : undefined;
  }

  async flush(): Promise<void> {
    if (this.#buffered === '' || this.error) return;
    const text = this.#buffered;
    this.#buffered = '';
    if (this.#stream.write(text)) return;
    // Wait for room, or for the failure that means there will be none (the error is kept above).
    const done = new AbortController();
    await Promise.race([once(this.#stream, 'drain', { signal: done.signal }), once(this.#stream, 'error', { signal: done.signal })]).catch(() => undefined);
    done.abort();
  }

  /** Flushes, and closes the file if it is one. */
  async end(): Promise<void> {
    await this.flush();
    if (this.#ownsStream && !this.error) {
      this.#stream.end();
      await once(this.#stream, 'finish').catch(() => undefined);
    }
  }
}

function reason(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return 'its directory does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return error.message;
  }
}
