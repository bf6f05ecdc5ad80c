import { flagsConfig, serviceConfig } from '@akaso/service';
import Type from 'typebox';

export const ConfigSchema = Type.Object({
  ...serviceConfig(3100),
  // Run-time switches (the group's per-message delay, `inventory.delayMs`).
  ...flagsConfig(),
  // Stock per ingredient put in an empty database at start-up.
  INVENTORY_SEED_STOCK: Type.Integer({ minimum: 0, default: 1_000_000 }),
});
