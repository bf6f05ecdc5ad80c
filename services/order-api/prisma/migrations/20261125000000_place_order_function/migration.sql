-- POST /orders in ONE round trip. The steps are the same as before, in the same order and under
-- the same locks; they only moved into the database so a busy API no longer pays ~8 network
-- round trips (and an interactive transaction held open across them) per order.
--
-- Called as one statement, so it is one transaction:
--   1. with an Idempotency-Key: lock the key; a known key returns the first answer ('replayed')
--      or, for a different request, 'key_reused';
--   2. lock the user (pg_advisory_xact_lock): two orders of one user never check the quota at
--      the same time, so 50 concurrent requests can never accept more than the limit;
--   3. the user's counted orders in the window (rejected ones do not count): over the limit →
--      'quota_exceeded' with those orders, from which the API explains when burgers free up;
--   4. the order, its first status, the outbox row (async mode: OrderPlaced, built and validated
--      by the API) and the idempotency key with the answer, which gets the quota added here.
-- Statements in a VOLATILE plpgsql function each take a fresh snapshot, so step 3 sees every
-- order committed by whoever held the user's lock before us.
CREATE FUNCTION "place_order"(
    p_order_id UUID,
    p_user_id TEXT,
    p_email TEXT,
    p_burgers INTEGER,
    p_items JSONB,
    p_total_cents INTEGER,
    p_currency TEXT,
    p_payment_method TEXT,
    p_mode TEXT,
    p_correlation_id TEXT,
    p_now TIMESTAMPTZ,
    p_limit INTEGER,
    p_window_ms BIGINT,
    p_request_hash TEXT,
    p_idempotency_key TEXT,
    p_response JSONB,
    p_outbox JSONB
) RETURNS JSONB LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    existing "idempotency_keys"%ROWTYPE;
    counted JSONB;
    used INTEGER;
    oldest TIMESTAMPTZ;
    body JSONB;
BEGIN
    IF p_idempotency_key IS NOT NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext('idem:' || p_idempotency_key));
        SELECT * INTO existing FROM "idempotency_keys" WHERE "key" = p_idempotency_key;
        IF FOUND THEN
            IF existing."request_hash" <> p_request_hash OR existing."user_id" <> p_user_id THEN
                RETURN jsonb_build_object('outcome', 'key_reused', 'orderId', existing."order_id");
            END IF;
            RETURN jsonb_build_object('outcome', 'replayed', 'body', existing."response");
        END IF;
    END IF;

    PERFORM pg_advisory_xact_lock(hashtext('quota:' || p_user_id));
    SELECT coalesce(sum("burgers"), 0)::int, min("created_at"),
           coalesce(jsonb_agg(jsonb_build_object('burgers', "burgers", 'createdAt', "created_at")), '[]'::jsonb)
      INTO used, oldest, counted
      FROM "orders"
     WHERE "user_id" = p_user_id
       AND "created_at" > p_now - make_interval(secs => p_window_ms / 1000.0)
       AND "status" <> 'rejected';
    IF used + p_burgers > p_limit THEN
        RETURN jsonb_build_object('outcome', 'quota_exceeded', 'counted', counted);
    END IF;

    INSERT INTO "orders" ("id", "user_id", "email", "burgers", "items", "total_cents", "currency",
                          "payment_method", "status", "mode", "correlation_id", "created_at", "updated_at")
    VALUES (p_order_id, p_user_id, p_email, p_burgers, p_items, p_total_cents, p_currency,
            p_payment_method, 'received', p_mode, p_correlation_id, p_now, p_now);
    INSERT INTO "order_status_history" ("order_id", "status", "at") VALUES (p_order_id, 'received', p_now);
    IF p_outbox IS NOT NULL THEN
        INSERT INTO "outbox" ("event_id", "topic", "key", "payload", "headers")
        VALUES ((p_outbox->>'eventId')::uuid, p_outbox->>'topic', p_outbox->>'key',
                (p_outbox->>'payload')::jsonb, p_outbox->'headers');
    END IF;

    body := p_response || jsonb_build_object('quota', jsonb_build_object(
        'limit', p_limit,
        'used', used + p_burgers,
        'remaining', p_limit - used - p_burgers,
        'windowHours', (p_window_ms / 3600000.0)::float8,
        'nextFreeAt', to_char((coalesce(oldest, p_now) + make_interval(secs => p_window_ms / 1000.0))
                              AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')));
    IF p_idempotency_key IS NOT NULL THEN
        INSERT INTO "idempotency_keys" ("key", "user_id", "request_hash", "order_id", "response")
        VALUES (p_idempotency_key, p_user_id, p_request_hash, p_order_id, body);
    END IF;
    RETURN jsonb_build_object('outcome', 'accepted', 'body', body);
END $$;
