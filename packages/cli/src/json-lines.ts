/** A record's way in (one line of JSON) and out (one line of JSON, or an error record). */
import type { Attempted } from './attempts.js';
import { describe } from './describe.js';

export function parseRecord(text: string): Attempted {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, message: `invalid JSON: ${(error as Error).message}` };
  }
}

/** A value JSON cannot write (a BigInt, a cycle) fails its record instead of the run. */
export function resultLine(value: unknown): { ok: true; text: string } | { ok: false; message: string } {
  try {
    return { ok: true, text: JSON.stringify(value) ?? 'null' };
  } catch (error) {
    return { ok: false, message: `cannot write the result as JSON: ${describe(error as Error)}` };
  }
}

/** What `--error-records` writes where a record has no result. */
export function errorRecord(line: number, message: string): string {
  return JSON.stringify({ error: message, line });
}
