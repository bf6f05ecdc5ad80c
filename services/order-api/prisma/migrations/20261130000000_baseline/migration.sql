-- order-api's schema as of the baseline: menu, orders with their status history, idempotency
-- keys. The outbox and processed-events tables come from packages/outbox's own migrations,
-- applied before these; the functions (place_order, quota_state, ...) are repeatable migrations
-- in sql/functions/, applied after them. The migrations this baseline replaces are listed in
-- `replaces`: a database that applied them all records this one in their place.
CREATE TABLE "burgers" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "price_cents" INTEGER NOT NULL,
    "available" BOOLEAN NOT NULL DEFAULT true,
    CONSTRAINT "burgers_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "orders" (
    "id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "burgers" INTEGER NOT NULL,
    "items" JSONB NOT NULL,
    "total_cents" INTEGER NOT NULL,
    "currency" TEXT NOT NULL,
    "payment_method" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "reason" TEXT,
    "mode" TEXT NOT NULL,
    "correlation_id" TEXT NOT NULL,
    "payment_intent_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "orders_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "orders_burgers_check" CHECK ("burgers" BETWEEN 1 AND 5),
    CONSTRAINT "orders_status_check" CHECK ("status" IN ('received', 'reserved', 'confirmed', 'rejected'))
);
-- An order row is updated twice after its insert (reserved, then confirmed or rejected): room
-- left on each page keeps those updates on the page (HOT: no new index entries, pruned in place).
ALTER TABLE "orders" SET (fillfactor = 70);
-- The quota query: one user's orders in the last 24 hours.
CREATE INDEX "orders_user_id_created_at_idx" ON "orders"("user_id", "created_at");

CREATE TABLE "order_status_history" (
    "id" BIGSERIAL NOT NULL,
    "order_id" UUID NOT NULL,
    "status" TEXT NOT NULL,
    "reason" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "order_status_history_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "order_status_history_order_id_id_idx" ON "order_status_history"("order_id", "id");
ALTER TABLE "order_status_history" ADD CONSTRAINT "order_status_history_order_id_fkey"
  FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

CREATE TABLE "idempotency_keys" (
    "key" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "order_id" UUID NOT NULL,
    "response" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    -- One user's keys are theirs: a key guessed from another user finds nothing of theirs.
    CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("user_id", "key")
);
-- The retention job deletes by age.
CREATE INDEX "idempotency_keys_created_at_idx" ON "idempotency_keys"("created_at");
