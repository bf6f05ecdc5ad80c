import { type EventOf, newEvent } from '@akaso/contracts';
import { ingredientNeeds } from './recipes.ts';

type OrderPlaced = Extract<EventOf<'orders'>, { type: 'OrderPlaced' }>;
type PaymentFailed = Extract<EventOf<'payments'>, { type: 'PaymentFailed' }>;
export type InventoryInput = OrderPlaced | PaymentFailed;
export type InventoryOutput = EventOf<'inventory'>;

export interface Reservation {
  status: 'reserved' | 'released';
  needs: Record<string, number>;
}

export interface StockPlan {
  /** One outgoing event per input that changed something, in input order. */
  events: { input: InventoryInput; output: InventoryOutput }[];
  /** Stock per ingredient after the batch (only the ingredients that changed). */
  stock: Map<string, number>;
  created: { orderId: string; userId: string; needs: Record<string, number> }[];
  released: string[];
}

/** The ingredients a batch will touch: lock exactly these rows, in id order. */
export function ingredientsTouched(
  inputs: readonly InventoryInput[],
  reservations: ReadonlyMap<string, Reservation>,
  recipes: Map<string, Map<string, number>>,
): string[] {
  const ids = new Set<string>();
  for (const e of inputs) {
    if (e.type === 'OrderPlaced')
      for (const id of ingredientNeeds(e.items, recipes).needs.keys()) ids.add(id);
    else for (const id of Object.keys(reservations.get(e.orderId)?.needs ?? {})) ids.add(id);
  }
  return [...ids].sort();
}

/**
 * Decides a batch of inventory events against the locked stock, in order, as if they came one
 * at a time: each order is reserved all-or-nothing from what the earlier ones left; a failed
 * payment gives its reservation back (once). Pure: the caller reads and writes the rows.
 */
export function planStock(
  inputs: readonly InventoryInput[],
  lockedStock: ReadonlyMap<string, number>,
  existing: ReadonlyMap<string, Reservation>,
  recipes: Map<string, Map<string, number>>,
  now: Date = new Date(),
): StockPlan {
  const stock = new Map(lockedStock);
  const reservations = new Map(existing);
  const changed = new Set<string>();
  const plan: StockPlan = { events: [], stock: new Map(), created: [], released: [] };
  const about = (e: InventoryInput) => ({ orderId: e.orderId, userId: e.userId });

  for (const e of inputs) {
    if (e.type === 'OrderPlaced') {
      if (reservations.has(e.orderId)) continue; // reserved before: a second OrderPlaced changes nothing
      const { needs, unknown } = ingredientNeeds(e.items, recipes);
      if (unknown.length > 0) {
        plan.events.push({
          input: e,
          output: newEvent(
            'StockRejected',
            about(e),
            { email: e.email, reason: `unknown burger: ${unknown.join(', ')}`, missing: [] },
            now,
          ),
        });
        continue;
      }
      const ids = [...needs.keys()].sort();
      const missing = ids
        .filter((id) => (stock.get(id) ?? 0) < (needs.get(id) ?? 0))
        .map((id) => ({ ingredientId: id, needed: needs.get(id) ?? 0, available: stock.get(id) ?? 0 }));
      if (missing.length > 0) {
        plan.events.push({
          input: e,
          output: newEvent(
            'StockRejected',
            about(e),
            {
              email: e.email,
              reason: `out of stock: ${missing.map((m) => m.ingredientId).join(', ')}`,
              missing,
            },
            now,
          ),
        });
        continue;
      }
      for (const id of ids) {
        stock.set(id, (stock.get(id) ?? 0) - (needs.get(id) ?? 0));
        changed.add(id);
      }
      const record = Object.fromEntries(needs);
      reservations.set(e.orderId, { status: 'reserved', needs: record });
      plan.created.push({ orderId: e.orderId, userId: e.userId, needs: record });
      plan.events.push({
        input: e,
        output: newEvent(
          'StockReserved',
          about(e),
          {
            email: e.email,
            items: e.items,
            paymentMethod: e.paymentMethod,
            totalCents: e.totalCents,
            currency: e.currency,
          },
          now,
        ),
      });
    } else {
      const r = reservations.get(e.orderId);
      if (r?.status !== 'reserved') continue; // nothing held, or given back already
      for (const [id, qty] of Object.entries(r.needs)) {
        stock.set(id, (stock.get(id) ?? 0) + qty);
        changed.add(id);
      }
      reservations.set(e.orderId, { ...r, status: 'released' });
      plan.released.push(e.orderId);
      plan.events.push({
        input: e,
        output: newEvent('StockReleased', about(e), { reason: `payment failed: ${e.reason}` }, now),
      });
    }
  }
  for (const id of changed) plan.stock.set(id, stock.get(id) ?? 0);
  return plan;
}
