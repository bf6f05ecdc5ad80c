-- payment: one payment outcome per order (the audit counts these). The outbox and
-- processed-events tables come from packages/outbox's own migrations, applied before these.
CREATE TABLE "payments" (
    "order_id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "payment_intent_id" TEXT,
    "amount_cents" INTEGER NOT NULL,
    "currency" TEXT NOT NULL,
    "decline_code" TEXT,
    "reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "payments_pkey" PRIMARY KEY ("order_id"),
    CONSTRAINT "payments_status_check" CHECK ("status" IN ('succeeded', 'failed'))
);
