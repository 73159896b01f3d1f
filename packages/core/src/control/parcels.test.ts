import { describe, expect, it } from 'vitest';
import { ParcelStore, valuesOf } from './parcels.js';

const settledWithin = async <T>(promise: Promise<T>): Promise<T | 'pending'> =>
  Promise.race([promise, new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending')))]);

describe('parcel store', () => {
  it('a lent parcel stays until dropped; reclaimed, the next taker gets it', async () => {
    const store = new ParcelStore();
    store.put('1:a', { values: [1, 2] }, []);
    expect(valuesOf(await store.lend('1:a'))).toEqual([1, 2]);
    expect(store.size).toBe(1); // still held: its taker has not started the task
    store.reclaim('1:a'); // the taker died first
    expect(valuesOf(await store.lend('1:a'))).toEqual([1, 2]);
    store.drop('1:a'); // the task is running: nobody will ask again
    expect(store.size).toBe(0);
  });

  it('a reclaim forgets a dead taker that was still waiting, so the parcel goes to the next one', async () => {
    const store = new ParcelStore();
    const dead = store.lend('2:a');
    store.reclaim('2:a');
    const next = store.lend('2:a');
    store.put('2:a', { values: ['x'] }, []);
    expect(valuesOf(await next)).toEqual(['x']);
    expect(await settledWithin(dead)).toBe('pending');
  });

  it('take hands a result over for good; a drop before the put discards it on arrival', async () => {
    const store = new ParcelStore();
    const taken = store.take('3:r');
    store.put('3:r', { values: ['r'] }, []);
    expect(valuesOf(await taken)).toEqual(['r']);
    store.drop('4:a');
    store.put('4:a', { values: [1] }, []);
    expect(store.size).toBe(0);
  });
});
