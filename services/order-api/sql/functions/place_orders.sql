-- place_orders: several place_order calls in one transaction (the API's group commit), in the
-- order given. Each call is its own statement, so each sees the ones before it: a user's second
-- order in a batch is checked against the first, a repeated Idempotency-Key is a replay. Returns
-- the results in the same order.
--
-- The users' quota locks are taken first, in lock-key order (quota_lock.sql), whatever order the
-- orders came in: every batch takes them in that one order, so two batches cannot deadlock. A
-- lock that another transaction holds is waited for at most lock_timeout; a user whose lock was
-- not granted in time gets {"outcome": "lock_timeout"} for each of their orders (the API answers
-- 503 with Retry-After) and the batch goes on: one stuck user costs the others one lock_timeout
-- at most, never their orders. The wait runs in a subtransaction (the exception block) only when
-- the lock is busy, so an uncontended batch opens none.
CREATE OR REPLACE FUNCTION "place_orders"(p JSONB) RETURNS JSONB LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_user TEXT;
  v_busy TEXT[] := '{}';
  v_arg JSONB;
  v_results JSONB := '[]'::JSONB;
BEGIN
  FOR v_user IN SELECT DISTINCT ON ("quota_lock_key"(u)) u
                  FROM (SELECT value->>'userId' AS u FROM jsonb_array_elements(p)) AS users
                 ORDER BY "quota_lock_key"(u) LOOP
    IF NOT "try_lock_quota"(v_user) THEN
      BEGIN
        PERFORM "lock_quota"(v_user);
      EXCEPTION WHEN lock_not_available THEN
        v_busy := v_busy || v_user;
      END;
    END IF;
  END LOOP;

  FOR v_arg IN SELECT value FROM jsonb_array_elements(p) WITH ORDINALITY ORDER BY ordinality LOOP
    IF "quota_lock_key"(v_arg->>'userId') = ANY (SELECT "quota_lock_key"(b) FROM unnest(v_busy) AS b) THEN
      v_results := v_results || jsonb_build_array(jsonb_build_object('outcome', 'lock_timeout'));
    ELSE
      v_results := v_results || jsonb_build_array("place_order"(v_arg));
    END IF;
  END LOOP;
  RETURN v_results;
END;
$$;
