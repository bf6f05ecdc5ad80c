import { type AnyEvent, topics, validateEvent } from '@akaso/contracts';
import { AppError } from '@akaso/service';
import type { FastifyInstance } from 'fastify';
import type { EmailService } from './email-service.ts';

/** Internal endpoint for the synchronous baseline: the consumer's code, answered inline. */
export async function emailRoutes(app: FastifyInstance, email: EmailService): Promise<void> {
  app.post('/internal/send', async (request) => {
    const body = request.body as { type?: string };
    let event: AnyEvent;
    try {
      event = validateEvent(
        body?.type === 'PaymentSucceeded' ? topics.payments : topics.orderStatus,
        body,
      ) as AnyEvent;
    } catch (err) {
      throw new AppError('VALIDATION_ERROR', (err as Error).message);
    }
    return { ...(await email.handle(event)), events: [] };
  });
}
