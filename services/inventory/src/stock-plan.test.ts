import { newEvent } from '@akaso/contracts';
import { describe, expect, it } from 'vitest';
import { ingredientsTouched, planStock, type Reservation } from './stock-plan.ts';

const recipes = new Map([
  [
    'classic',
    new Map([
      ['bun', 1],
      ['beef', 1],
    ]),
  ],
  [
    'veggie',
    new Map([
      ['bun', 1],
      ['veggie-patty', 1],
    ]),
  ],
]);
let n = 0;
const orderId = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
const placed = (burgerId: string, quantity: number, id = orderId()) =>
  newEvent(
    'OrderPlaced',
    { orderId: id, userId: `u${n}` },
    {
      email: 'a@example.com',
      items: [{ burgerId, name: burgerId, quantity, unitPriceCents: 100 }],
      burgers: quantity,
      paymentMethod: 'pm_card_visa',
      totalCents: 100 * quantity,
      currency: 'eur',
    },
  );
const failed = (id: string) =>
  newEvent(
    'PaymentFailed',
    { orderId: id, userId: 'u' },
    { email: 'a@example.com', reason: 'declined', declineCode: null },
  );

describe('planStock', () => {
  it('reserves orders in turn from what the earlier ones left, all ingredients or none', () => {
    const a = placed('classic', 2);
    const b = placed('classic', 2); // only 1 beef left after a
    const c = placed('veggie', 1); // still fits: needs no beef
    const plan = planStock(
      [a, b, c],
      new Map([
        ['bun', 10],
        ['beef', 3],
        ['veggie-patty', 1],
      ]),
      new Map(),
      recipes,
    );
    expect(plan.events.map((e) => e.output.type)).toEqual([
      'StockReserved',
      'StockRejected',
      'StockReserved',
    ]);
    expect(plan.stock).toEqual(
      new Map([
        ['bun', 7],
        ['beef', 1],
        ['veggie-patty', 0],
      ]),
    );
    expect(plan.created.map((r) => r.orderId)).toEqual([a.orderId, c.orderId]);
    const rejected = plan.events[1]?.output;
    expect(rejected?.type === 'StockRejected' && rejected.missing).toEqual([
      { ingredientId: 'beef', needed: 2, available: 1 },
    ]);
  });

  it('rejects an unknown burger and changes no stock for it', () => {
    const plan = planStock([placed('gold', 1)], new Map([['bun', 5]]), new Map(), recipes);
    expect(plan.events[0]?.output).toMatchObject({ type: 'StockRejected', reason: 'unknown burger: gold' });
    expect(plan.stock.size).toBe(0);
  });

  it('gives a failed payment its stock back once, even when the failure comes twice', () => {
    const id = orderId();
    const held = new Map<string, Reservation>([[id, { status: 'reserved', needs: { bun: 2, beef: 2 } }]]);
    const plan = planStock(
      [failed(id), failed(id)],
      new Map([
        ['bun', 0],
        ['beef', 0],
      ]),
      held,
      recipes,
    );
    expect(plan.events.map((e) => e.output.type)).toEqual(['StockReleased']);
    expect(plan.stock).toEqual(
      new Map([
        ['bun', 2],
        ['beef', 2],
      ]),
    );
    expect(plan.released).toEqual([id]);
  });

  it('does not reserve an order twice', () => {
    const a = placed('classic', 1);
    const held = new Map<string, Reservation>([
      [a.orderId, { status: 'reserved', needs: { bun: 1, beef: 1 } }],
    ]);
    const plan = planStock(
      [a],
      new Map([
        ['bun', 5],
        ['beef', 5],
      ]),
      held,
      recipes,
    );
    expect(plan.events).toEqual([]);
    expect(plan.stock.size).toBe(0);
  });

  it('locks exactly the ingredients the batch touches, in id order', () => {
    const id = orderId();
    const held = new Map<string, Reservation>([[id, { status: 'reserved', needs: { cheese: 1 } }]]);
    expect(ingredientsTouched([placed('veggie', 1), failed(id)], held, recipes)).toEqual([
      'bun',
      'cheese',
      'veggie-patty',
    ]);
  });
});
