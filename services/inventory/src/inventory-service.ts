import { randomUUID } from 'node:crypto';
import type { AnyEvent, EventOf } from '@akaso/contracts';
import { topics } from '@akaso/contracts';
import { claimEvent, enqueue } from '@akaso/outbox';
import type { Db } from './db.ts';
import { ingredientNeeds, seedIngredients, seedRecipes } from './recipes.ts';

type OrderPlaced = Extract<EventOf<'orders'>, { type: 'OrderPlaced' }>;
type PaymentFailed = Extract<EventOf<'payments'>, { type: 'PaymentFailed' }>;

export interface HandleOptions {
  group: string;
  correlationId: string;
  /** true: events go to the outbox (Kafka); false: only returned (the synchronous baseline). */
  emit: boolean;
}

export function createInventoryService(deps: { db: Db; onOutboxWrite(): void }) {
  const { db } = deps;
  let recipes = new Map<string, Map<string, number>>();

  async function seed(stockPerIngredient: number): Promise<void> {
    await db.ingredient.createMany({
      data: seedIngredients.map((i) => ({ ...i, stock: stockPerIngredient })),
      skipDuplicates: true,
    });
    await db.recipe.createMany({
      data: Object.entries(seedRecipes).flatMap(([burgerId, parts]) =>
        Object.entries(parts).map(([ingredientId, quantity]) => ({ burgerId, ingredientId, quantity })),
      ),
      skipDuplicates: true,
    });
    await loadRecipes();
  }

  async function loadRecipes(): Promise<void> {
    const rows = await db.recipe.findMany();
    const next = new Map<string, Map<string, number>>();
    for (const r of rows) {
      const recipe = next.get(r.burgerId) ?? new Map<string, number>();
      recipe.set(r.ingredientId, r.quantity);
      next.set(r.burgerId, recipe);
    }
    recipes = next;
  }

  const base = (event: AnyEvent) => ({
    version: 1 as const,
    eventId: randomUUID(),
    orderId: event.orderId,
    userId: event.userId,
    occurredAt: new Date().toISOString(),
  });

  /**
   * All ingredients of the order or none, in one transaction: the rows are locked in a fixed
   * order (no deadlock between concurrent orders), checked, then decremented together.
   */
  async function reserve(event: OrderPlaced, opts: HandleOptions): Promise<AnyEvent[]> {
    const out = await db.$transaction(async (tx) => {
      if (!(await claimEvent(tx, opts.group, event.eventId))) return [];
      if (await tx.reservation.findUnique({ where: { orderId: event.orderId } })) return [];
      const { needs, unknown } = ingredientNeeds(event.items, recipes);
      let result: AnyEvent;
      if (unknown.length > 0) {
        result = {
          ...base(event),
          type: 'StockRejected',
          email: event.email,
          reason: `unknown burger: ${unknown.join(', ')}`,
          missing: [],
        };
      } else {
        const ids = [...needs.keys()].sort();
        const rows = await tx.$queryRawUnsafe<{ id: string; stock: number }[]>(
          'select id, stock from ingredients where id = any($1::text[]) order by id for update',
          ids,
        );
        const stock = new Map(rows.map((r) => [r.id, r.stock]));
        const missing = ids
          .filter((id) => (stock.get(id) ?? 0) < (needs.get(id) ?? 0))
          .map((id) => ({ ingredientId: id, needed: needs.get(id) ?? 0, available: stock.get(id) ?? 0 }));
        if (missing.length > 0) {
          result = {
            ...base(event),
            type: 'StockRejected',
            email: event.email,
            reason: `out of stock: ${missing.map((m) => m.ingredientId).join(', ')}`,
            missing,
          };
        } else {
          await tx.$executeRawUnsafe(
            `update ingredients i set stock = i.stock - n.qty
               from unnest($1::text[], $2::int[]) as n(id, qty) where i.id = n.id`,
            ids,
            ids.map((id) => needs.get(id) ?? 0),
          );
          await tx.reservation.create({
            data: {
              orderId: event.orderId,
              userId: event.userId,
              status: 'reserved',
              needs: Object.fromEntries(needs),
            },
          });
          result = {
            ...base(event),
            type: 'StockReserved',
            email: event.email,
            items: event.items,
            paymentMethod: event.paymentMethod,
            totalCents: event.totalCents,
            currency: event.currency,
          };
        }
      }
      if (opts.emit)
        await enqueue(tx, [{ topic: topics.inventory, event: result, correlationId: opts.correlationId }]);
      return [result];
    });
    if (opts.emit && out.length > 0) deps.onOutboxWrite();
    return out;
  }

  /** A failed payment gives the ingredients back (once: the reservation is marked released). */
  async function release(event: PaymentFailed, opts: HandleOptions): Promise<AnyEvent[]> {
    const out = await db.$transaction(async (tx) => {
      if (!(await claimEvent(tx, opts.group, event.eventId))) return [];
      const rows = await tx.$queryRawUnsafe<{ needs: Record<string, number> }[]>(
        `select needs from reservations where order_id = $1::uuid and status = 'reserved' for update`,
        event.orderId,
      );
      const reservation = rows[0];
      if (!reservation) return [];
      const ids = Object.keys(reservation.needs).sort();
      // Same lock order as reserve() (ingredients by id): concurrent reserves and releases
      // cannot deadlock.
      await tx.$queryRawUnsafe(
        'select id from ingredients where id = any($1::text[]) order by id for update',
        ids,
      );
      await tx.$executeRawUnsafe(
        `update ingredients i set stock = i.stock + n.qty
           from unnest($1::text[], $2::int[]) as n(id, qty) where i.id = n.id`,
        ids,
        ids.map((id) => reservation.needs[id] ?? 0),
      );
      await tx.reservation.update({
        where: { orderId: event.orderId },
        data: { status: 'released', updatedAt: new Date() },
      });
      const result: AnyEvent = {
        ...base(event),
        type: 'StockReleased',
        reason: `payment failed: ${event.reason}`,
      };
      if (opts.emit)
        await enqueue(tx, [{ topic: topics.inventory, event: result, correlationId: opts.correlationId }]);
      return [result];
    });
    if (opts.emit && out.length > 0) deps.onOutboxWrite();
    return out;
  }

  async function stock() {
    return db.ingredient.findMany({ orderBy: { id: 'asc' } });
  }

  async function setStock(id: string, value: number) {
    return db.ingredient.update({ where: { id }, data: { stock: value } });
  }

  return { seed, loadRecipes, reserve, release, stock, setStock };
}

export type InventoryService = ReturnType<typeof createInventoryService>;
