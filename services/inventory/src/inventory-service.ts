import { type AnyEvent, topics } from '@akaso/contracts';
import { type Pool, transaction } from '@akaso/db';
import { claimEvents, type EventSink } from '@akaso/outbox';
import type { Db } from './db.ts';
import { seedIngredients, seedRecipes } from './recipes.ts';
import { type InventoryInput, ingredientsTouched, planStock, type Reservation } from './stock-plan.ts';

/** An event to handle and the correlation id it travelled with. */
export interface Incoming {
  event: InventoryInput;
  correlationId: string;
}

export function createInventoryService(deps: { db: Db; pool: Pool; group: string }) {
  const { db, pool } = deps;
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

  /**
   * A batch of OrderPlaced (reserve all ingredients or none) and PaymentFailed (give them back,
   * once), in ONE transaction with a constant number of statements: claim the eventIds, lock
   * the reservations and the ingredient rows the batch touches (in id order: concurrent batches
   * cannot deadlock), decide in order (planStock), write stock, reservations and the outgoing
   * events set-based. A redelivered event was claimed before and changes nothing.
   */
  async function apply(inputs: readonly Incoming[], sink: EventSink): Promise<AnyEvent[]> {
    const out = await transaction(pool, async (tx) => {
      const claimed = await claimEvents(
        tx,
        deps.group,
        inputs.map((i) => i.event.eventId),
      );
      // Claimed once: an event twice in one batch is handled the first time only.
      const todo = inputs.filter((i) => claimed.delete(i.event.eventId));
      if (todo.length === 0) return [];
      const { rows: held } = await tx.query<{
        order_id: string;
        status: Reservation['status'];
        needs: Reservation['needs'];
      }>(
        'select order_id, status, needs from reservations where order_id = any($1::uuid[]) order by order_id for update',
        [todo.map((i) => i.event.orderId)],
      );
      const existing = new Map(held.map((r) => [r.order_id, { status: r.status, needs: r.needs }]));
      const events = todo.map((i) => i.event);
      const ids = ingredientsTouched(events, existing, recipes);
      const { rows: stockRows } = await tx.query<{ id: string; stock: number }>(
        'select id, stock from ingredients where id = any($1::text[]) order by id for update',
        [ids],
      );
      const plan = planStock(events, new Map(stockRows.map((r) => [r.id, r.stock])), existing, recipes);
      if (plan.stock.size > 0) {
        await tx.query(
          `update ingredients i set stock = n.stock from unnest($1::text[], $2::int[]) as n(id, stock) where i.id = n.id`,
          [[...plan.stock.keys()], [...plan.stock.values()]],
        );
      }
      if (plan.created.length > 0) {
        await tx.query(
          `insert into reservations (order_id, user_id, status, needs)
             select r.order_id, r.user_id, 'reserved', r.needs
               from jsonb_to_recordset($1::jsonb) as r(order_id uuid, user_id text, needs jsonb)`,
          [
            JSON.stringify(
              plan.created.map((c) => ({ order_id: c.orderId, user_id: c.userId, needs: c.needs })),
            ),
          ],
        );
      }
      if (plan.released.length > 0) {
        await tx.query(
          `update reservations set status = 'released', updated_at = now() where order_id = any($1::uuid[])`,
          [plan.released],
        );
      }
      const correlation = new Map(todo.map((i) => [i.event.eventId, i.correlationId]));
      await sink.write(
        tx,
        plan.events.map(({ input, output }) => ({
          topic: topics.inventory,
          event: output,
          correlationId: correlation.get(input.eventId) ?? '',
        })),
      );
      return plan.events.map((e) => e.output as AnyEvent);
    });
    sink.committed(out);
    return out;
  }

  async function stock() {
    return db.ingredient.findMany({ orderBy: { id: 'asc' } });
  }

  async function setStock(id: string, value: number) {
    return db.ingredient.update({ where: { id }, data: { stock: value } });
  }

  return { seed, loadRecipes, apply, stock, setStock };
}

export type InventoryService = ReturnType<typeof createInventoryService>;
