import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { OrderService } from '../orders/order-service.ts';
import { errors, MenuBody, QuotaBody, retryable, UserIdParams } from './schemas.ts';

export const menuRoutes: FastifyPluginAsyncTypebox<{ orders: OrderService }> = async (app, { orders }) => {
  app.get(
    '/menu',
    {
      schema: {
        summary: 'The sale menu with discounted prices',
        response: { 200: MenuBody, 503: retryable(errors[503]) },
      },
    },
    () => orders.menu(),
  );
  app.get(
    '/users/:userId/quota',
    {
      schema: {
        summary: "A user's remaining burgers in the rolling window",
        params: UserIdParams,
        response: { 200: QuotaBody, 400: errors[400], 414: errors[414], 503: retryable(errors[503]) },
      },
    },
    (request) => orders.quotaFor(request.params.userId),
  );
};
