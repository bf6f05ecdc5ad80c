-- A claim names its owner (one id per email process) and holds until its lease runs out: a
-- live owner's claim is never taken, so a consumer that receives the partition in a rebalance
-- cannot send again what the previous owner is still sending; an owner that died loses its
-- claims once their lease has expired. Rows claimed before this migration have no owner and
-- no lease: they count as expired.
ALTER TABLE "sent_emails" ADD COLUMN "claimed_by" TEXT;
ALTER TABLE "sent_emails" ADD COLUMN "lease_expires_at" TIMESTAMPTZ(3);
-- A recipient the SMTP server refuses: since when (across retries and owners), and its last
-- answer. Past a bound the mail is dead-lettered instead of pinning its partition.
ALTER TABLE "sent_emails" ADD COLUMN "refused_since" TIMESTAMPTZ(3);
ALTER TABLE "sent_emails" ADD COLUMN "last_error" TEXT;
