/**
 * JSON Lines input: one line at a time from a file or stdin, with its 1-based number, read only
 * as fast as the caller asks (so memory stays flat on any input size). For a file it estimates
 * how many lines there are in all, from the size of the file and of the lines taken so far.
 * Lines are split on the newline byte, which never occurs inside a multi-byte UTF-8 character.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';

export interface Line {
  number: number;
  text: string;
}

export interface Input {
  lines: AsyncGenerator<Line, void, undefined>;
  /**
   * For a regular file, the lines it holds in all, estimated from the lines taken so far (their
   * average length); undefined for a pipe, or before the first line.
   */
  estimatedLines(): number | undefined;
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
  // Bytes and count of the lines handed out, not of the chunks read ahead of them.
  let taken = 0;
  let number = 0;
  async function* lines(): AsyncGenerator<Line, void, undefined> {
    // A line longer than a chunk arrives in pieces; they are joined once, when its newline comes,
    // so reading it costs its length and not its length times the number of pieces.
    let pieces: Buffer[] = [];
    let pending = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
        const piece = chunk.subarray(start, end);
        const whole = pieces.length === 0 ? piece : Buffer.concat([...pieces, piece]);
        pieces = [];
        taken += pending + end + 1 - start;
        pending = 0;
        start = end + 1;
        yield { number: ++number, text: withoutCarriageReturn(whole.toString('utf8')) };
      }
      if (start < chunk.length) {
        pieces.push(chunk.subarray(start));
        pending += chunk.length - start;
      }
    }
    taken += pending;
    if (pieces.length > 0) yield { number: ++number, text: withoutCarriageReturn(Buffer.concat(pieces).toString('utf8')) };
  }
  return {
    lines: lines(),
    estimatedLines: () => (totalBytes === undefined || taken === 0 ? undefined : Math.max(number, Math.round((number * totalBytes) / taken))),
    close: () => stream.destroy(),
  };
}

/** CRLF input (files written on Windows) reads like LF input, the last line included. */
function withoutCarriageReturn(text: string): string {
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}
