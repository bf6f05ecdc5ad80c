-- The quota rule lives here and nowhere else. quota_state decides and explains (how many burgers
-- are used, how many remain, when the next one frees up, when the request would fit);
-- place_order calls it under the user's lock, and GET /users/:id/quota calls it read-only. The
-- API only words what it returns.
--
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
CREATE OR REPLACE FUNCTION "quota_state"(
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
