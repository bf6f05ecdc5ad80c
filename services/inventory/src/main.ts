import { join } from 'node:path';
import { groupTopics } from '@akaso/contracts';
import { outboxSink } from '@akaso/outbox';
import { runService } from '@akaso/service';
import { ConfigSchema } from './config.ts';
import { createDb } from './db.ts';
import { createInventoryService, type Incoming } from './inventory-service.ts';
import { inventoryRoutes } from './routes.ts';

// Inventory: reserves stock on OrderPlaced, gives it back on PaymentFailed.
await runService({
  name: 'inventory',
  config: ConfigSchema,
  root: join(import.meta.dirname, '..'),
  async setup({ config, pool, wakeOutbox }) {
    const db = createDb(pool);
    const inventory = createInventoryService({ db, pool, group: 'inventory' });
    await inventory.seed(config.INVENTORY_SEED_STOCK);
    const sink = outboxSink(wakeOutbox);
    return {
      consumer: {
        groupId: 'inventory',
        topics: [...groupTopics.inventory],
        handler: async (deliveries) => {
          const inputs = deliveries.flatMap((d): Incoming[] =>
            d.event.type === 'OrderPlaced' || d.event.type === 'PaymentFailed'
              ? [{ event: d.event, correlationId: d.correlationId }]
              : [],
          );
          await inventory.apply(inputs, sink);
        },
      },
      routes: (app) => inventoryRoutes(app, inventory),
      stop: [['prisma', () => db.$disconnect()]],
    };
  },
});
