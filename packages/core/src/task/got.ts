/**
 * What a validation message says it received: the value and its type, so that a string "2" and
 * a number 2 read differently (`got "2" (a string)`, `got 2 (a number)`). Every "got ..." in an
 * InvalidArgumentError comes from here.
 */
import { inspect } from 'node:util';

const MAX_SHOWN = 60;

export function got(value: unknown): string {
  if (value === undefined || value === null) return `got ${String(value)}`;
  if (typeof value === 'function') return `got a function${value.name ? ` (${value.name})` : ''}`;
  const shown = typeof value === 'string' ? JSON.stringify(value) : inspect(value, { depth: 1, breakLength: Infinity, maxArrayLength: 4 });
  return `got ${shown.length > MAX_SHOWN ? `${shown.slice(0, MAX_SHOWN - 3)}...` : shown} (${kindOf(value)})`;
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value !== 'object') return withArticle(typeof value);
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name;
  return !name || name === 'Object' ? 'an object' : `an instance of ${name}`;
}

function withArticle(noun: string): string {
  return `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
}
