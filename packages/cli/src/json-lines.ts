/** A record's way out: one line of JSON. */
import { describe } from './describe.js';

/** A value JSON cannot write (a BigInt, a cycle) fails its record instead of the run. */
export function resultLine(value: unknown): { ok: true; text: string } | { ok: false; message: string } {
  try {
    return { ok: true, text: JSON.stringify(value) ?? 'null' };
  } catch (error) {
    return { ok: false, message: `cannot write the result as JSON: ${describe(error as Error)}` };
  }
}
