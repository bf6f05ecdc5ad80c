-- POST /orders in ONE round trip (one statement, so one transaction). The argument is one JSON
-- object built by the API (services/order-api/src/orders/place-order.ts):
--   orderId, userId, email, burgers, items, totalCents, currency, paymentMethod, mode,
--   correlationId, now, limit, windowMs, requestHash, idempotencyKey (or null),
--   response (the answer without its quota), outbox (the OrderPlaced row, or null).
-- Steps:
--   1. lock the user (lock_quota, quota_lock.sql): two orders of one user never check the quota
--      at the same time, so 50 concurrent requests can never accept more than the limit; the
--      same lock serializes the user's Idempotency-Keys, which are scoped to the user. A wait
--      longer than lock_timeout fails with 55P03 (place_orders turns it into that order's
--      'lock_timeout' outcome);
--   2. a known key returns the first answer ('replayed') or, for a different request,
--      'key_reused' with the user's own order id;
--   3. quota_state decides; a refusal returns its explanation ('quota_exceeded');
--   4. the order, its first status, the outbox row (written by packages/outbox's
--      outbox_enqueue, the one writer of outbox rows) and the key with the answer (which gets the
--      quota after this order added).
-- Statements in a VOLATILE plpgsql function each take a fresh snapshot under READ COMMITTED (the
-- only level it runs under), so step 3 sees every order committed by whoever held the user's
-- lock before us.
CREATE OR REPLACE FUNCTION "place_order"(p JSONB) RETURNS JSONB LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_user_id CONSTANT TEXT := p->>'userId';
    v_order_id CONSTANT UUID := (p->>'orderId')::uuid;
    v_now CONSTANT TIMESTAMPTZ := (p->>'now')::timestamptz;
    v_burgers CONSTANT INTEGER := (p->>'burgers')::int;
    v_key CONSTANT TEXT := p->>'idempotencyKey';
    existing "idempotency_keys"%ROWTYPE;
    quota JSONB;
    body JSONB;
BEGIN
    -- Step 3 must see what the previous holder of the lock committed: under READ COMMITTED each
    -- statement takes a fresh snapshot, after the lock wait; under REPEATABLE READ or
    -- SERIALIZABLE the snapshot is the transaction's first, taken before it, and more than the
    -- limit would get through. The API's pool sets READ COMMITTED (src/db.ts); anything else is
    -- refused rather than trusted.
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'place_order needs READ COMMITTED, not %', current_setting('transaction_isolation')
            USING ERRCODE = '25000',
                  HINT = 'set default_transaction_isolation to ''read committed'' for the connection';
    END IF;
    PERFORM "lock_quota"(v_user_id);

    IF v_key IS NOT NULL THEN
        SELECT * INTO existing FROM "idempotency_keys" WHERE "user_id" = v_user_id AND "key" = v_key;
        IF FOUND THEN
            IF existing."request_hash" <> p->>'requestHash' THEN
                RETURN jsonb_build_object('outcome', 'key_reused', 'orderId', existing."order_id");
            END IF;
            RETURN jsonb_build_object('outcome', 'replayed', 'body', existing."response");
        END IF;
    END IF;

    quota := "quota_state"(v_user_id, v_now, (p->>'limit')::int, (p->>'windowMs')::bigint, v_burgers);
    -- IS NOT TRUE, not NOT: a missing answer refuses instead of slipping through as NULL.
    IF (quota->>'allowed')::boolean IS NOT TRUE THEN
        RETURN jsonb_build_object('outcome', 'quota_exceeded', 'quota', quota);
    END IF;

    INSERT INTO "orders" ("id", "user_id", "email", "burgers", "items", "total_cents", "currency",
                          "payment_method", "status", "mode", "correlation_id", "created_at", "updated_at")
    VALUES (v_order_id, v_user_id, p->>'email', v_burgers, p->'items', (p->>'totalCents')::int,
            p->>'currency', p->>'paymentMethod', 'received', p->>'mode', p->>'correlationId', v_now, v_now);
    INSERT INTO "order_status_history" ("order_id", "status", "at") VALUES (v_order_id, 'received', v_now);
    -- The outbox row as packages/outbox's outboxRow() builds it (async mode only), written by
    -- outbox_enqueue like every other outbox row.
    IF jsonb_typeof(p->'outbox') = 'object' THEN
        PERFORM "outbox_enqueue"(jsonb_build_array(p->'outbox'));
    END IF;

    -- The quota after this order: the same numbers quota_state would give a moment later.
    body := (p->'response') || jsonb_build_object('quota', jsonb_build_object(
        'limit', quota->'limit',
        'used', (quota->>'used')::int + v_burgers,
        'remaining', (quota->>'remaining')::int - v_burgers,
        'windowHours', quota->'windowHours',
        'nextFreeAt', coalesce(quota->>'nextFreeAt',
                               "iso_utc"(v_now + (p->>'windowMs')::bigint * INTERVAL '1 millisecond'))));
    IF v_key IS NOT NULL THEN
        INSERT INTO "idempotency_keys" ("key", "user_id", "request_hash", "order_id", "response", "created_at")
        VALUES (v_key, v_user_id, p->>'requestHash', v_order_id, body, v_now);
    END IF;
    RETURN jsonb_build_object('outcome', 'accepted', 'body', body);
END $$;
