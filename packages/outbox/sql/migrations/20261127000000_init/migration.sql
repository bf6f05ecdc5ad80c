-- The outbox and processed-events tables of every service that publishes, and the one function
-- that writes outbox rows. packages/outbox owns them: packages/service applies this folder
-- (bookkeeping in "_outbox_migrations") before the service's own prisma/migrations.
--
-- Idempotent (IF NOT EXISTS, OR REPLACE) on purpose: until this set existed, each service's first
-- migration held a copy of these tables, so a database created then already has them, exactly as
-- written here, and keeps them (those migrations list their old checksum as superseded).
CREATE TABLE IF NOT EXISTS "outbox" (
    "id" BIGSERIAL NOT NULL,
    "event_id" UUID NOT NULL,
    "topic" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    -- Kafka headers: correlation id, event type and version, and the W3C traceparent.
    "headers" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),
    CONSTRAINT "outbox_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX IF NOT EXISTS "outbox_event_id_key" ON "outbox"("event_id");
-- The relay only ever scans unpublished rows, in insertion order.
CREATE INDEX IF NOT EXISTS "outbox_unpublished_idx" ON "outbox"("id") WHERE "published_at" IS NULL;

-- Idempotent consumers: the eventIds each group has handled, claimed in the effect's transaction.
CREATE TABLE IF NOT EXISTS "processed_events" (
    "consumer_group" TEXT NOT NULL,
    "event_id" UUID NOT NULL,
    "processed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "processed_events_pkey" PRIMARY KEY ("consumer_group", "event_id")
);

-- Wakes the relay (LISTEN outbox) when a transaction that wrote events commits.
CREATE OR REPLACE FUNCTION "outbox_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('outbox', '');
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER "outbox_notify_after_insert" AFTER INSERT ON "outbox"
  FOR EACH STATEMENT EXECUTE FUNCTION "outbox_notify"();

-- The one writer of outbox rows. Both the TypeScript enqueue() (every consumer batch) and
-- order-api's place_order call it, with the rows as packages/outbox's outboxRow() builds them:
--   [{ "eventId", "topic", "key", "payload" (the event's JSON text, validated), "headers" }]
-- One INSERT whatever the number of rows, in array order (the relay publishes by id).
CREATE OR REPLACE FUNCTION "outbox_enqueue"(p_rows JSONB) RETURNS VOID LANGUAGE sql VOLATILE AS $$
    INSERT INTO "outbox" ("event_id", "topic", "key", "payload", "headers")
    SELECT r."eventId", r."topic", r."key", r."payload"::jsonb, r."headers"
      FROM ROWS FROM (jsonb_to_recordset(p_rows)
                      AS ("eventId" UUID, "topic" TEXT, "key" TEXT, "payload" TEXT, "headers" JSONB))
           WITH ORDINALITY AS r("eventId", "topic", "key", "payload", "headers", "ord")
     ORDER BY r."ord"
$$;
