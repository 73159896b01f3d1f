import { describe, expect, it } from 'vitest';
import { SpinBudget } from './spin.js';

describe('SpinBudget', () => {
  it('halves on every spin that runs out, down to its floor, and doubles on every one that finds work, up to its ceiling', () => {
    const budget = new SpinBudget(10, 160);
    const polls: number[] = [];
    for (let i = 0; i < 6; i++) {
      let count = 0;
      expect(budget.spin(() => (count++, false))).toBe(false);
      polls.push(count);
    }
    expect(polls).toEqual([160, 80, 40, 20, 10, 10]);
    const grown: number[] = [];
    for (let i = 0; i < 6; i++) {
      expect(budget.spin(() => true)).toBe(true);
      grown.push(budget.rounds);
    }
    expect(grown).toEqual([20, 40, 80, 160, 160, 160]);
  });

  it('a park that ends just after the spin gave up grows the budget; a long one leaves it', () => {
    const budget = new SpinBudget(10, 160, 0.1);
    for (let i = 0; i < 4; i++) budget.spin(() => false);
    expect(budget.rounds).toBe(10);
    budget.parked(5);
    expect(budget.rounds).toBe(10);
    budget.parked(0.05);
    budget.parked(0.05);
    expect(budget.rounds).toBe(40);
    for (let i = 0; i < 4; i++) budget.parked(0);
    expect(budget.rounds).toBe(160);
  });

  it('stops polling the moment the condition holds', () => {
    const budget = new SpinBudget(1, 1000);
    let count = 0;
    expect(budget.spin(() => ++count === 7)).toBe(true);
    expect(count).toBe(7);
  });
});
