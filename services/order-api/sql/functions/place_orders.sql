-- place_orders: several place_order calls in one transaction (the API's group commit), in the
-- order given. Each call is its own statement, so each sees the ones before it: a user's second
-- order in a batch is checked against the first, a repeated Idempotency-Key is a replay. Returns
-- the results in the same order.
CREATE OR REPLACE FUNCTION "place_orders"(p JSONB) RETURNS JSONB LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_arg JSONB;
  v_results JSONB := '[]'::JSONB;
BEGIN
  FOR v_arg IN SELECT value FROM jsonb_array_elements(p) WITH ORDINALITY ORDER BY ordinality LOOP
    v_results := v_results || jsonb_build_array("place_order"(v_arg));
  END LOOP;
  RETURN v_results;
END;
$$;
