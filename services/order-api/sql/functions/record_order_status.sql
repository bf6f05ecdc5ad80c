-- The one writer of order status changes, for both paths: the order-status consumer (a batch of
-- events, src/orders/status-consumer.ts) and the synchronous baseline (one event, or giving up on
-- an order: src/orders/status-projector.ts). The caller has locked the orders (SELECT ... FOR
-- UPDATE) and decided the transitions with the state machine (src/orders/status.ts); this writes
-- them set-based, whatever their number:
--   p_updates: [{ id, status, reason, payment_intent_id }], each order's state after the batch
--              (a null payment_intent_id keeps the one recorded);
--   p_history: [{ order_id, status, reason }], one row per transition, in transition order (their
--              ids order an order's SSE stream);
--   p_channel: the pg_notify channel the SSE streams of every instance listen on (one
--              notification per order, delivered on commit).
CREATE OR REPLACE FUNCTION "record_order_status"(
    p_updates JSONB,
    p_history JSONB,
    p_now TIMESTAMPTZ,
    p_channel TEXT
) RETURNS VOID LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    UPDATE "orders" o
       SET "status" = u."status", "reason" = u."reason", "updated_at" = p_now,
           "payment_intent_id" = coalesce(u."payment_intent_id", o."payment_intent_id")
      FROM jsonb_to_recordset(p_updates) AS u("id" UUID, "status" TEXT, "reason" TEXT, "payment_intent_id" TEXT)
     WHERE o."id" = u."id";
    INSERT INTO "order_status_history" ("order_id", "status", "reason", "at")
    SELECT h."order_id", h."status", h."reason", p_now
      FROM ROWS FROM (jsonb_to_recordset(p_history) AS ("order_id" UUID, "status" TEXT, "reason" TEXT))
           WITH ORDINALITY AS h("order_id", "status", "reason", "n")
     ORDER BY h."n";
    PERFORM pg_notify(p_channel, u."id")
       FROM jsonb_to_recordset(p_updates) AS u("id" TEXT);
END $$;
