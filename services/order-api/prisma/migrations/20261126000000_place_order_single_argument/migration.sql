-- The quota rule lives here and nowhere else. `quota_state` decides and explains (how many
-- burgers are used, how many remain, when the next one frees up, when the request would fit);
-- `place_order` calls it under the user's lock, and GET /users/:id/quota calls it read-only.
-- The API only words what these functions return.
--
-- Replaces place_order(17 positional arguments) with place_order(jsonb), and scopes
-- Idempotency-Keys per user: a key guessed from another user now finds nothing of theirs.

DROP FUNCTION "place_order"(UUID, TEXT, TEXT, INTEGER, JSONB, INTEGER, TEXT, TEXT, TEXT, TEXT,
                            TIMESTAMPTZ, INTEGER, BIGINT, TEXT, TEXT, JSONB, JSONB);

-- One user's keys are theirs: (user_id, key) instead of key alone.
ALTER TABLE "idempotency_keys" DROP CONSTRAINT "idempotency_keys_pkey";
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("user_id", "key");
-- The retention job deletes by age.
CREATE INDEX "idempotency_keys_created_at_idx" ON "idempotency_keys"("created_at");

-- JavaScript's Date#toISOString format, so the API passes timestamps through unchanged.
CREATE FUNCTION "iso_utc"(t TIMESTAMPTZ) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- The rule: at most p_limit burgers per user in any window of p_window_ms; rejected orders do
-- not count. An order counts for a request at p_now if it lies less than one window away on
-- EITHER side of p_now. In production clocks only move forward and the "after" side is empty;
-- it is there so the rule also holds when API instances' clocks disagree (or a test replays
-- times out of order): any half-open window [s, s + w) then holds at most p_limit burgers,
-- because whichever order in it was accepted last saw all the others.
--
-- Returns {limit, used, remaining, requested, allowed, windowHours, nextFreeAt, availableAt}:
-- nextFreeAt is when the oldest counted burger leaves the window, availableAt when p_requested
-- burgers would fit if nothing else is ordered (null: never, by waiting alone).
CREATE FUNCTION "quota_state"(
    p_user_id TEXT,
    p_now TIMESTAMPTZ,
    p_limit INTEGER,
    p_window_ms BIGINT,
    p_requested INTEGER
) RETURNS JSONB LANGUAGE plpgsql STABLE AS $$
DECLARE
    win CONSTANT INTERVAL := p_window_ms * INTERVAL '1 millisecond';
    used INTEGER := 0;
    oldest TIMESTAMPTZ;
    available_at TIMESTAMPTZ;
    still_used INTEGER;
    o RECORD;
BEGIN
    SELECT coalesce(sum("burgers"), 0)::int, min("created_at") INTO used, oldest
      FROM "orders"
     WHERE "user_id" = p_user_id
       AND "created_at" > p_now - win
       AND "created_at" < p_now + win
       AND "status" <> 'rejected';

    IF p_requested BETWEEN 1 AND p_limit - used THEN
        available_at := p_now;
    ELSIF p_requested BETWEEN 1 AND p_limit THEN
        -- Oldest first: each order leaves the window one window after it was placed.
        still_used := used;
        FOR o IN SELECT "burgers", "created_at"
                   FROM "orders"
                  WHERE "user_id" = p_user_id
                    AND "created_at" > p_now - win
                    AND "created_at" <= p_now
                    AND "status" <> 'rejected'
                  ORDER BY "created_at"
        LOOP
            still_used := still_used - o."burgers";
            IF p_limit - still_used >= p_requested THEN
                available_at := o."created_at" + win;
                EXIT;
            END IF;
        END LOOP;
    END IF;

    RETURN jsonb_build_object(
        'limit', p_limit,
        'used', used,
        'remaining', greatest(0, p_limit - used),
        'requested', p_requested,
        'allowed', coalesce(available_at = p_now, false),
        'windowHours', (p_window_ms / 3600000.0)::float8,
        'nextFreeAt', "iso_utc"(oldest + win),
        'availableAt', "iso_utc"(available_at));
END $$;

-- POST /orders in ONE round trip (one statement, so one transaction). The argument is one JSON
-- object built by the API (services/order-api/src/orders/place-order.ts):
--   orderId, userId, email, burgers, items, totalCents, currency, paymentMethod, mode,
--   correlationId, now, limit, windowMs, requestHash, idempotencyKey (or null),
--   response (the answer without its quota), outbox (the OrderPlaced row, or null).
-- Steps:
--   1. lock the user (pg_advisory_xact_lock): two orders of one user never check the quota at
--      the same time, so 50 concurrent requests can never accept more than the limit; the same
--      lock serializes the user's Idempotency-Keys, which are scoped to the user;
--   2. a known key returns the first answer ('replayed') or, for a different request,
--      'key_reused' with the user's own order id;
--   3. quota_state decides; a refusal returns its explanation ('quota_exceeded');
--   4. the order, its first status, the outbox row and the key with the answer (which gets the
--      quota after this order added).
-- Statements in a VOLATILE plpgsql function each take a fresh snapshot, so step 3 sees every
-- order committed by whoever held the user's lock before us.
CREATE FUNCTION "place_order"(p JSONB) RETURNS JSONB LANGUAGE plpgsql VOLATILE AS $$
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
    PERFORM pg_advisory_xact_lock(hashtext('quota:' || v_user_id));

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
    -- The outbox row as packages/outbox's outboxRow() builds it (async mode only).
    IF jsonb_typeof(p->'outbox') = 'object' THEN
        INSERT INTO "outbox" ("event_id", "topic", "key", "payload", "headers")
        VALUES ((p->'outbox'->>'eventId')::uuid, p->'outbox'->>'topic', p->'outbox'->>'key',
                (p->'outbox'->>'payload')::jsonb, p->'outbox'->'headers');
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
