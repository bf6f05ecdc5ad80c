import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { OrderService } from '../orders/order-service.ts';
import { MenuBody, QuotaBody, UserIdParams } from './schemas.ts';

export const menuRoutes: FastifyPluginAsyncTypebox<{ orders: OrderService }> = async (app, { orders }) => {
  app.get(
    '/menu',
    { schema: { summary: 'The sale menu with discounted prices', response: { 200: MenuBody } } },
    () => orders.menu(),
  );
  app.get(
    '/users/:userId/quota',
    {
      schema: {
        summary: "A user's remaining burgers in the rolling window",
        params: UserIdParams,
        response: { 200: QuotaBody },
      },
    },
    (request) => orders.quotaFor(request.params.userId),
  );
};
