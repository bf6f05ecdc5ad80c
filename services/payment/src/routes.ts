import { topics, validateEvent } from '@akaso/contracts';
import { returnOnly } from '@akaso/outbox';
import { AppError } from '@akaso/service';
import type { FastifyInstance } from 'fastify';
import type { PaymentService } from './payment-service.ts';

/** Internal endpoint for the synchronous baseline: the consumer's code, answered inline. */
export async function paymentRoutes(app: FastifyInstance, payments: PaymentService): Promise<void> {
  app.post('/internal/charge', async (request) => {
    let event: ReturnType<typeof validateEvent<'inventory'>>;
    try {
      event = validateEvent(topics.inventory, request.body);
    } catch (err) {
      throw new AppError('VALIDATION_ERROR', (err as Error).message);
    }
    if (event.type !== 'StockReserved') throw new AppError('VALIDATION_ERROR', 'expected StockReserved');
    const correlationId = String(request.headers['x-correlation-id'] ?? '');
    return { events: await payments.apply([{ event, correlationId }], returnOnly) };
  });
}
