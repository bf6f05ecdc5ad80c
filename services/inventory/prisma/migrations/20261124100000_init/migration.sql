-- inventory: ingredient stock, recipes, reservations. The outbox and processed-events tables
-- come from packages/outbox's own migrations, applied before these.
CREATE TABLE "ingredients" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "stock" INTEGER NOT NULL,
    CONSTRAINT "ingredients_pkey" PRIMARY KEY ("id"),
    -- The last line of defence: stock can never go negative, whatever the code does.
    CONSTRAINT "ingredients_stock_check" CHECK ("stock" >= 0)
);

CREATE TABLE "recipes" (
    "burger_id" TEXT NOT NULL,
    "ingredient_id" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL,
    CONSTRAINT "recipes_pkey" PRIMARY KEY ("burger_id", "ingredient_id")
);

CREATE TABLE "reservations" (
    "order_id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "needs" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "reservations_pkey" PRIMARY KEY ("order_id"),
    CONSTRAINT "reservations_status_check" CHECK ("status" IN ('reserved', 'released'))
);
