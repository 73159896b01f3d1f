import { afterAll, describe, expect, it } from 'vitest';
import { createRuntime } from '@routine/runtime';

const runtime = createRuntime({ workers: 2 });
afterAll(() => runtime.close());

const HIGH = '\uD83D';
const LOW = '\uDE00';
const samples = [HIGH, LOW, `a${HIGH}`, `${LOW}b`, `${LOW}${HIGH}`, `x${HIGH}y${LOW}z`, `é${HIGH}`, `${HIGH}${'long'.repeat(30)}`];

/** The code units of `text`, so a failure shows which one changed. */
const units = (text: string) => Array.from({ length: text.length }, (_, i) => text.charCodeAt(i));

describe('strings with lone surrogates cross threads exactly', () => {
  it('as arguments and as results, short (inline) and long (arena)', async () => {
    for (const sample of samples) {
      // The worker reports the code units it received, and returns the string itself.
      const [seen, back] = await runtime.go((text: string) => [Array.from({ length: text.length }, (_, i) => text.charCodeAt(i)), text] as const, sample);
      expect(seen).toEqual(units(sample));
      expect(units(back)).toEqual(units(sample));
    }
  });

  it('a string result made on the worker', async () => {
    expect(units(await runtime.go((unit: number) => String.fromCharCode(unit), 0xd800))).toEqual([0xd800]);
    expect(units(await runtime.go((unit: number) => `${String.fromCharCode(unit)}!`, 0xdfff))).toEqual([0xdfff, 0x21]);
  });

  it('inside objects and arrays, and beside well-formed strings', async () => {
    const nested = { high: HIGH, list: [LOW, 'plain', `${HIGH}${LOW}`], deeper: { text: `a${LOW}` } };
    expect(await runtime.go((value: typeof nested, loose: string, fine: string) => [value, loose, fine], nested, LOW, 'fine')).toEqual([nested, LOW, 'fine']);
    expect(await runtime.go((list: string[]) => list, samples)).toEqual(samples);
  });
});
