/**
 * JSON Lines input: one line at a time from a file or stdin, with its 1-based number and the bytes
 * read so far, read only as fast as the caller asks (so memory stays flat on any input size).
 * Lines are split on the newline byte, which never occurs inside a multi-byte UTF-8 character.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { type Readable } from 'node:stream';

export interface Line {
  number: number;
  text: string;
}

export interface Input {
  lines: AsyncGenerator<Line, void, undefined>;
  /** Total bytes when known (a regular file), for the progress bar's ETA. */
  totalBytes: number | undefined;
  bytesRead(): number;
  close(): void;
}

const NEWLINE = 0x0a;

export async function openInput(path: string | undefined): Promise<Input> {
  let stream: Readable;
  let totalBytes: number | undefined;
  if (path === undefined || path === '-') {
    stream = process.stdin;
  } else {
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      throw new Error(`cannot read input ${path}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
    });
    if (info.isFile()) totalBytes = info.size;
    stream = createReadStream(path, { highWaterMark: 256 * 1024 });
  }
  let bytes = 0;
  async function* lines(): AsyncGenerator<Line, void, undefined> {
    let carry: Buffer | undefined;
    let number = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      let start = 0;
      for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
        const piece = chunk.subarray(start, end);
        const text = (carry ? Buffer.concat([carry, piece]) : piece).toString('utf8');
        carry = undefined;
        start = end + 1;
        yield { number: ++number, text: text.endsWith('\r') ? text.slice(0, -1) : text };
      }
      if (start < chunk.length) carry = carry ? Buffer.concat([carry, chunk.subarray(start)]) : Buffer.from(chunk.subarray(start));
    }
    if (carry && carry.length > 0) yield { number: ++number, text: carry.toString('utf8') };
  }
  return {
    lines: lines(),
    totalBytes,
    bytesRead: () => bytes,
    close: () => stream.destroy(),
  };
}
