import { type AnyEvent, topics, validateEvent } from '@akaso/contracts';
import { returnOnly } from '@akaso/outbox';
import { AppError } from '@akaso/service';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { InventoryService } from './inventory-service.ts';

/**
 * Internal endpoints: the synchronous baseline calls them inline (the same domain code as the
 * consumer, events returned instead of published), and tests and labs read or set stock.
 */
export async function inventoryRoutes(app: FastifyInstance, inventory: InventoryService): Promise<void> {
  const asEvent = <T extends 'orders' | 'payments'>(topic: T, body: unknown) => {
    try {
      return validateEvent(topic, body) as AnyEvent;
    } catch (err) {
      throw new AppError('VALIDATION_ERROR', (err as Error).message);
    }
  };
  const correlation = (headers: Record<string, unknown>) => String(headers['x-correlation-id'] ?? '');

  app.post('/internal/reserve', async (request) => {
    const event = asEvent(topics.orders, request.body);
    if (event.type !== 'OrderPlaced') throw new AppError('VALIDATION_ERROR', 'expected OrderPlaced');
    return {
      events: await inventory.apply([{ event, correlationId: correlation(request.headers) }], returnOnly),
    };
  });

  app.post('/internal/release', async (request) => {
    const event = asEvent(topics.payments, request.body);
    if (event.type !== 'PaymentFailed') throw new AppError('VALIDATION_ERROR', 'expected PaymentFailed');
    return {
      events: await inventory.apply([{ event, correlationId: correlation(request.headers) }], returnOnly),
    };
  });

  app.get('/stock', async () => inventory.stock());

  app.put(
    '/internal/stock/:id',
    {
      schema: {
        params: Type.Object({ id: Type.String() }),
        body: Type.Object({ stock: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const { stock } = request.body as { stock: number };
      try {
        return await inventory.setStock(id, stock);
      } catch {
        throw new AppError('NOT_FOUND', `no ingredient ${id}`);
      }
    },
  );
}
