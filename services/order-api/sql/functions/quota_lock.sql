-- The user's quota lock: two orders of one user never check the quota at the same time, so 50
-- concurrent requests can never accept more than the limit. Transaction-scoped, in the two-key
-- form with the order-quota class (advisory_lock_class, from @akaso/db's table), so it can never
-- be the outbox relay's lock or any other, whatever the user id hashes to. The key is what
-- batches sort by: every transaction that takes several users' locks takes them in key order,
-- so two of them cannot deadlock.
CREATE OR REPLACE FUNCTION "quota_lock_key"(p_user_id TEXT) RETURNS INTEGER
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT hashtext(p_user_id)
$$;

-- Waits for the lock at most the session's lock_timeout (the API's pool sets it): past that,
-- SQLSTATE 55P03 lock_not_available, which costs that user's order alone (place_orders).
CREATE OR REPLACE FUNCTION "lock_quota"(p_user_id TEXT) RETURNS VOID LANGUAGE sql VOLATILE AS $$
    SELECT pg_advisory_xact_lock("advisory_lock_class"('orderQuota'), "quota_lock_key"(p_user_id))
$$;

-- Without waiting: true if this transaction holds the lock now.
CREATE OR REPLACE FUNCTION "try_lock_quota"(p_user_id TEXT) RETURNS BOOLEAN LANGUAGE sql VOLATILE AS $$
    SELECT pg_try_advisory_xact_lock("advisory_lock_class"('orderQuota'), "quota_lock_key"(p_user_id))
$$;
