import { describe, expect, it } from 'vitest';
import { ingredientNeeds } from './recipes.ts';

const recipes = new Map([
  [
    'classic',
    new Map([
      ['bun', 1],
      ['beef', 1],
    ]),
  ],
  [
    'bacon',
    new Map([
      ['bun', 1],
      ['beef', 1],
      ['bacon', 2],
    ]),
  ],
]);

describe('ingredientNeeds', () => {
  it('sums quantity × recipe over the lines', () => {
    const { needs, unknown } = ingredientNeeds(
      [
        { burgerId: 'classic', quantity: 2 },
        { burgerId: 'bacon', quantity: 1 },
      ],
      recipes,
    );
    expect(Object.fromEntries(needs)).toEqual({ bun: 3, beef: 3, bacon: 2 });
    expect(unknown).toEqual([]);
  });

  it('names burgers without a recipe', () => {
    expect(ingredientNeeds([{ burgerId: 'unicorn', quantity: 1 }], recipes).unknown).toEqual(['unicorn']);
  });
});
